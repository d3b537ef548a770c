package io.katacontainers.check;

/**
 * Which verdict a check feeds: HOST checks decide "capable of running", KVM checks (ioctls on /dev/kvm,
 * root only) decide "can currently create".
 */
public enum CheckStage {
    HOST, KVM
}
