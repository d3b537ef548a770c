package io.katacontainers.hypervisor.kvm.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.katacontainers.ffm.kvm.KvmLayouts;
import io.katacontainers.ffm.kvm.MsrEntry;
import io.katacontainers.hypervisor.kvm.devices.legacy.SerialState;
import io.katacontainers.hypervisor.kvm.devices.virtio.QueueState;
import io.katacontainers.hypervisor.kvm.devices.virtio.TransportState;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The state file: round trip, version and identity refusal, truncation and damage refused naming the field. */
class SnapshotCodecTest {
    private static final SnapshotIdentity HERE = new SnapshotIdentity("kata 0.1.0 abc123", "6.1.0-test",
            "AuthenticAMD 25/1/1 test cpu", "guest sha256:00ff");

    @Test
    void aSnapshotReadsBackAsWritten() throws Exception {
        Snapshot snapshot = sample(new Random(1), 2);
        byte[] file = SnapshotCodec.encode(snapshot);
        Snapshot read = SnapshotCodec.decode(file, HERE);

        assertArrayEquals(file, SnapshotCodec.encode(read), "re-encoding gives the same bytes");
        assertEquals(snapshot.identity(), read.identity());
        assertEquals(2, read.vcpuCount());
        assertEquals(snapshot.memoryBytes(), read.memoryBytes());
        assertEquals(snapshot.devices(), read.devices());
        assertEquals(snapshot.memory(), read.memory());
        assertEquals(snapshot.vcpus().get(1).msrs(), read.vcpus().get(1).msrs());
        assertArrayEquals(snapshot.vcpus().get(1).xsave(), read.vcpus().get(1).xsave());
        assertArrayEquals(snapshot.vcpus().get(0).lapic(), read.vcpus().get(0).lapic());
        assertArrayEquals(snapshot.machine().ioapic(), read.machine().ioapic());
        assertEquals(snapshot.machine().serial(), read.machine().serial());
        assertEquals(3 * 4096, read.memoryDataBytes());
    }

    @Test
    void anotherFormatVersionIsRefusedAsForeign() {
        byte[] file = SnapshotCodec.encode(sample(new Random(2), 1));
        ByteBuffer.wrap(file).putInt(SnapshotCodec.MAGIC.length, SnapshotCodec.VERSION + 1);
        SnapshotException.Foreign e = assertThrows(SnapshotException.Foreign.class,
                () -> SnapshotCodec.decode(file, HERE));
        assertEquals("format version", e.field());
        assertTrue(e.getMessage().contains("'" + (SnapshotCodec.VERSION + 1) + "'"), e.getMessage());
    }

    @Test
    void anotherBuildKernelOrCpuIsRefusedNamingWhatDiffers() {
        byte[] file = SnapshotCodec.encode(sample(new Random(3), 1));
        SnapshotIdentity otherKernel = new SnapshotIdentity(HERE.build(), "6.12.0-other", HERE.cpu(), HERE.guest());
        SnapshotException.Foreign kernel = assertThrows(SnapshotException.Foreign.class,
                () -> SnapshotCodec.decode(file, otherKernel));
        assertEquals("host kernel", kernel.field());
        assertTrue(kernel.getMessage().contains("'6.1.0-test'") && kernel.getMessage().contains("'6.12.0-other'"),
                kernel.getMessage());
        SnapshotIdentity otherBuild = new SnapshotIdentity("kata 0.2.0 def456", HERE.hostKernel(), HERE.cpu(),
                HERE.guest());
        assertEquals("build", assertThrows(SnapshotException.Foreign.class,
                () -> SnapshotCodec.decode(file, otherBuild)).field());
        SnapshotIdentity otherCpu = new SnapshotIdentity(HERE.build(), HERE.hostKernel(), "GenuineIntel 6/85/7",
                HERE.guest());
        assertEquals("cpu", assertThrows(SnapshotException.Foreign.class,
                () -> SnapshotCodec.decode(file, otherCpu)).field());
    }

    @Test
    void everyTruncationIsRefusedNamingTheFieldItCutInto() {
        byte[] file = SnapshotCodec.encode(sample(new Random(4), 2));
        for (int length = 0; length < file.length; length += 97) {
            byte[] cut = Arrays.copyOf(file, length);
            SnapshotException.Corrupt e = assertThrows(SnapshotException.Corrupt.class,
                    () -> SnapshotCodec.decode(cut, HERE), "cut at " + length);
            assertTrue(e.getMessage().contains("the file ends there"), e.getMessage());
        }
        int lapicAt = indexOfLapic(file, 0);
        SnapshotException.Corrupt inLapic = assertThrows(SnapshotException.Corrupt.class,
                () -> SnapshotCodec.decode(Arrays.copyOf(file, lapicAt + 100), HERE));
        assertEquals("vcpu[0].lapic", inLapic.field());
        SnapshotException.Corrupt lastByte = assertThrows(SnapshotException.Corrupt.class,
                () -> SnapshotCodec.decode(Arrays.copyOf(file, file.length - 1), HERE));
        assertEquals("checksum", lastByte.field());
    }

    @Test
    void aWrongStructSizeOrCountIsRefusedNamingTheField() {
        byte[] file = SnapshotCodec.encode(sample(new Random(5), 2));
        byte[] badLapic = file.clone();
        ByteBuffer.wrap(badLapic).putInt(indexOfLapic(file, 1) - 4, 1000);
        SnapshotException.Corrupt e = assertThrows(SnapshotException.Corrupt.class,
                () -> SnapshotCodec.decode(badLapic, HERE));
        assertEquals("vcpu[1].lapic", e.field());
        assertTrue(e.getMessage().contains("1000 bytes") && e.getMessage().contains("1024"), e.getMessage());
    }

    @Test
    void aFlippedByteIsCaughtByTheChecksum() {
        byte[] file = SnapshotCodec.encode(sample(new Random(6), 1));
        byte[] flipped = file.clone();
        int at = indexOfLapic(file, 0) + 17;
        flipped[at] ^= 0x40;
        SnapshotException.Corrupt e = assertThrows(SnapshotException.Corrupt.class,
                () -> SnapshotCodec.decode(flipped, HERE));
        assertEquals("checksum", e.field());
        assertTrue(e.getMessage().contains("delete it and make it again"), e.getMessage());
        byte[] notOurs = "#!/bin/sh\necho hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals("magic", assertThrows(SnapshotException.Corrupt.class,
                () -> SnapshotCodec.decode(notOurs, HERE)).field());
    }

    @Test
    void theCpuIsNamedByTheFirstProcessorOfCpuinfo() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25",
                "model\t\t: 1", "model name\t: AMD EPYC 7B13", "stepping\t: 1", "", "processor\t: 1",
                "vendor_id\t: GenuineIntel", "model name\t: other");
        assertEquals("AuthenticAMD 25/1/1 AMD EPYC 7B13", SnapshotIdentity.cpuModel(cpuinfo));
    }

    /** Where the {@code n}th vCPU's LAPIC bytes start: after its 4-byte length, recognisable by the marker. */
    private static int indexOfLapic(byte[] file, int vcpu) {
        byte[] marker = lapicMarker(vcpu);
        for (int i = 0; i + marker.length <= file.length; i++) {
            if (Arrays.equals(file, i, i + marker.length, marker, 0, marker.length)) {
                return i;
            }
        }
        throw new AssertionError("no LAPIC of vCPU " + vcpu);
    }

    private static byte[] lapicMarker(int vcpu) {
        return ("LAPIC-OF-VCPU-" + vcpu).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] struct(Random random, long size) {
        byte[] b = new byte[(int) size];
        random.nextBytes(b);
        return b;
    }

    static Snapshot sample(Random random, int vcpuCount) {
        List<VcpuState> vcpus = new java.util.ArrayList<>();
        for (int id = 0; id < vcpuCount; id++) {
            byte[] lapic = struct(random, KvmLayouts.KVM_LAPIC_STATE.byteSize());
            byte[] marker = lapicMarker(id);
            System.arraycopy(marker, 0, lapic, 0, marker.length);
            vcpus.add(new VcpuState(id, id == 0 ? 0 : 3, 2_400_000,
                    struct(random, 3 * KvmLayouts.KVM_CPUID_ENTRY2.byteSize()),
                    struct(random, KvmLayouts.KVM_REGS.byteSize()), struct(random, KvmLayouts.KVM_SREGS.byteSize()),
                    struct(random, KvmLayouts.KVM_XSAVE.byteSize()), struct(random, KvmLayouts.KVM_XCRS.byteSize()),
                    struct(random, KvmLayouts.KVM_DEBUGREGS.byteSize()), lapic,
                    List.of(new MsrEntry(0x10, random.nextLong()), new MsrEntry(0xc0000080, 0xd01L),
                            new MsrEntry(0x4b564d01, random.nextLong())),
                    struct(random, KvmLayouts.KVM_VCPU_EVENTS.byteSize())));
        }
        MachineState machine = new MachineState(struct(random, KvmLayouts.KVM_PIT_STATE2.byteSize()),
                struct(random, KvmLayouts.KVM_CLOCK_DATA.byteSize()), struct(random, KvmLayouts.KVM_IRQCHIP.byteSize()),
                struct(random, KvmLayouts.KVM_IRQCHIP.byteSize()), struct(random, KvmLayouts.KVM_IRQCHIP.byteSize()),
                new SerialState(0x02, 0x03, 0x0b, 0x5a, 0x01, 0x00, true, true));
        TransportState vsock = new TransportState(0x0f, 1L << 32, 1, 1, 2, 1, List.of(
                new QueueState(256, true, 0x1000, 0x2000, 0x3000, 17, 17),
                new QueueState(256, true, 0x4000, 0x5000, 0x6000, 65535, 65534),
                new QueueState(256, true, 0x7000, 0x8000, 0x9000, 0, 0)));
        TransportState rng = new TransportState(0, 0, 0, 0, 0, 0, List.of(
                new QueueState(64, false, 0, 0, 0, 0, 0)));
        return new Snapshot(HERE, vcpuCount, 512L << 20, machine, vcpus,
                List.of(new DeviceState("vsock", 19, 0xd0000000L, 5, vsock),
                        new DeviceState("rng", 4, 0xd0001000L, 6, rng)),
                List.of(new MemoryExtent(0, 8192), new MemoryExtent(1L << 20, 4096)));
    }
}
