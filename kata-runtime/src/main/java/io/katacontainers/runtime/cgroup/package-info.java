/**
 * The pod in the host's cgroups ({@code sandbox_cgroup_only}, as Kata): {@link CgroupsPath} turns the sandbox
 * spec's {@code cgroupsPath} (cgroupfs or systemd's {@code slice:prefix:name}) into a directory of every mounted
 * hierarchy ({@link CgroupMounts}: cgroup v1 controllers and v2), and {@link SandboxCgroup} creates it through
 * the sandbox's resource ledger and moves the process that owns the VM into it, so the VMM and virtiofsd it
 * starts are born there.
 */
package io.katacontainers.runtime.cgroup;
