package io.katacontainers.api.hypervisor;

import io.katacontainers.api.virtiofs.VirtiofsCache;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The machine a driver builds for one VM (its devices come through {@link Hypervisor#addDevice}), already
 * validated by the configuration loader.
 *
 * @param sandboxId the sandbox this VM belongs to (names sockets and logs)
 * @param runDir a private directory for the VM's sockets, pid files and logs; removed by the caller afterwards
 * @param vmmPath the VMM binary (QEMU), ignored by the built-in VMM
 * @param machineType e.g. {@code microvm} or {@code q35} for QEMU
 * @param vcpus boot vCPUs
 * @param memoryMiB guest RAM
 * @param kernel the guest kernel (vmlinux PVH ELF or bzImage)
 * @param initrd the guest initrd, if it boots from one
 * @param kernelParams extra kernel command line from the configuration
 * @param virtiofsd the virtio-fs daemon binary, for a {@link Device.SharedFs}
 * @param virtiofsCache how much of the shared directory the guest caches
 * @param virtiofsdExtraArgs extra virtiofsd arguments from the configuration
 * @param debug whether the guest console is verbose
 * @param seccompSandbox QEMU's {@code -sandbox} options ({@code seccompsandbox}); empty for none. For the built-in
 *                       VMM any value turns on the seccomp filter of its vCPU and device threads, empty (its
 *                       {@code disable_seccomp}) leaves them unfiltered.
 * @param reclaimGuestFreedMemory {@code reclaim_guest_freed_memory}: a virtio-balloon device with free page
 *                                reporting, through which the guest hands the pages it frees back to the host
 *                                (QEMU only; the built-in VMM's loader refuses the key)
 * @param image the guest root image ({@code image}), if it boots from one instead of an initrd: a read-only ext4
 *              file system the driver maps into the guest as persistent memory, mounted with DAX
 *              ({@link io.katacontainers.api.kernel.KernelCommandLine#withRootImage})
 */
public record VmSpec(String sandboxId, Path runDir, Path vmmPath, String machineType, int vcpus, long memoryMiB,
                     Path kernel, Optional<Path> initrd, String kernelParams, Path virtiofsd,
                     VirtiofsCache virtiofsCache, List<String> virtiofsdExtraArgs, boolean debug,
                     String seccompSandbox, boolean reclaimGuestFreedMemory, Optional<Path> image) {
    public VmSpec {
        Objects.requireNonNull(virtiofsCache, "virtiofsCache");
        Objects.requireNonNull(seccompSandbox, "seccompSandbox");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(initrd, "initrd");
        if (image.isPresent() && initrd.isPresent()) {
            throw new IllegalArgumentException("a VM boots an initrd or a root image, not both");
        }
        virtiofsdExtraArgs = List.copyOf(virtiofsdExtraArgs);
    }

    /** A spec booting an initrd (or nothing but the kernel). */
    public VmSpec(String sandboxId, Path runDir, Path vmmPath, String machineType, int vcpus, long memoryMiB,
                  Path kernel, Optional<Path> initrd, String kernelParams, Path virtiofsd,
                  VirtiofsCache virtiofsCache, List<String> virtiofsdExtraArgs, boolean debug,
                  String seccompSandbox, boolean reclaimGuestFreedMemory) {
        this(sandboxId, runDir, vmmPath, machineType, vcpus, memoryMiB, kernel, initrd, kernelParams, virtiofsd,
                virtiofsCache, virtiofsdExtraArgs, debug, seccompSandbox, reclaimGuestFreedMemory, Optional.empty());
    }

    /** A spec booting an initrd, without a balloon. */
    public VmSpec(String sandboxId, Path runDir, Path vmmPath, String machineType, int vcpus, long memoryMiB,
                  Path kernel, Optional<Path> initrd, String kernelParams, Path virtiofsd,
                  VirtiofsCache virtiofsCache, List<String> virtiofsdExtraArgs, boolean debug,
                  String seccompSandbox) {
        this(sandboxId, runDir, vmmPath, machineType, vcpus, memoryMiB, kernel, initrd, kernelParams, virtiofsd,
                virtiofsCache, virtiofsdExtraArgs, debug, seccompSandbox, false);
    }

    /** A spec booting an initrd, without a VMM seccomp sandbox and without a balloon. */
    public VmSpec(String sandboxId, Path runDir, Path vmmPath, String machineType, int vcpus, long memoryMiB,
                  Path kernel, Optional<Path> initrd, String kernelParams, Path virtiofsd,
                  VirtiofsCache virtiofsCache, List<String> virtiofsdExtraArgs, boolean debug) {
        this(sandboxId, runDir, vmmPath, machineType, vcpus, memoryMiB, kernel, initrd, kernelParams, virtiofsd,
                virtiofsCache, virtiofsdExtraArgs, debug, "", false);
    }

    /** This spec with another guest kernel command line. */
    public VmSpec withKernelParams(String params) {
        return new VmSpec(sandboxId, runDir, vmmPath, machineType, vcpus, memoryMiB, kernel, initrd, params,
                virtiofsd, virtiofsCache, virtiofsdExtraArgs, debug, seccompSandbox, reclaimGuestFreedMemory, image);
    }

    /** This spec with another size. */
    public VmSpec withSize(int newVcpus, long newMemoryMiB) {
        return new VmSpec(sandboxId, runDir, vmmPath, machineType, newVcpus, newMemoryMiB, kernel, initrd,
                kernelParams, virtiofsd, virtiofsCache, virtiofsdExtraArgs, debug, seccompSandbox,
                reclaimGuestFreedMemory, image);
    }

    /** This spec booting the root image {@code rootImage} instead of an initrd. */
    public VmSpec withImage(Path rootImage) {
        return new VmSpec(sandboxId, runDir, vmmPath, machineType, vcpus, memoryMiB, kernel, Optional.empty(),
                kernelParams, virtiofsd, virtiofsCache, virtiofsdExtraArgs, debug, seccompSandbox,
                reclaimGuestFreedMemory, Optional.of(rootImage));
    }
}
