/**
 * seccomp(2) filters: classic BPF programs built from an allow-list of x86_64 system calls with argument rules
 * ({@link io.katacontainers.ffm.seccomp.SeccompFilter}), installed on the calling thread only
 * ({@link io.katacontainers.ffm.seccomp.Seccomp}: no_new_privs, then SECCOMP_SET_MODE_FILTER without TSYNC).
 */
package io.katacontainers.ffm.seccomp;
