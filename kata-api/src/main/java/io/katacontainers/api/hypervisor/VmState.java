package io.katacontainers.api.hypervisor;

/** Lifecycle of one VM as its driver sees it. */
public enum VmState {
    CREATED, RUNNING, PAUSED, STOPPED
}
