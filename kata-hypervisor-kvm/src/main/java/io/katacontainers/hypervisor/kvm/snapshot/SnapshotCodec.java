package io.katacontainers.hypervisor.kvm.snapshot;

import io.katacontainers.ffm.kvm.KvmLayouts;
import io.katacontainers.ffm.kvm.MsrEntry;
import io.katacontainers.hypervisor.kvm.devices.legacy.SerialState;
import io.katacontainers.hypervisor.kvm.devices.virtio.QueueState;
import io.katacontainers.hypervisor.kvm.devices.virtio.TransportState;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The {@code state} file of a snapshot, format version {@value #VERSION}. Big-endian; a string is a u32 byte count
 * and UTF-8, a blob a u32 byte count and the bytes:
 * <pre>
 * magic "KATAVMM\n" (8 bytes), u32 version
 * identity: string build, string host kernel, string cpu, string guest
 * u32 vcpu count, u64 memory bytes
 * machine: blob kvm_pit_state2, blob kvm_clock_data, blob kvm_irqchip x3 (PIC master, PIC slave, IOAPIC),
 *          COM1: u32 IER, LCR, MCR, SCR, DLL, DLM, u8 FIFO enabled, u8 THR-empty interrupt pending
 * u32 n, n vCPUs: u32 id, u32 mp state, u32 TSC kHz, blob cpuid entries, blob regs, sregs, xsave, xcrs, debugregs,
 *                 lapic, u32 m, m MSRs (u32 index, u64 value), blob vcpu events
 * u32 n, n devices: string name, u32 type, u64 MMIO address, u32 IRQ, u32 status, u64 driver features,
 *                   u32 device features select, u32 driver features select, u32 queue select, u32 interrupt status,
 *                   u32 q, q queues: u32 size, u8 ready, u64 descriptor table, u64 available ring, u64 used ring,
 *                                    u16 next available, u16 next used
 * u32 n, n memory extents: u64 offset, u64 length (ascending, inside the memory, page-aligned)
 * u32 CRC32C of everything before it
 * </pre>
 * Reading checks the magic and version, then the identity against the expected one (a snapshot of another build,
 * kernel or CPU is {@link SnapshotException.Foreign}) before anything else; then every field, each struct's size and
 * every count against its bound, naming the field that is short or wrong ({@link SnapshotException.Corrupt}), and
 * the checksum last.
 */
public final class SnapshotCodec {
    /** Bumped whenever the layout above or the meaning of a field changes. */
    public static final int VERSION = 1;
    static final byte[] MAGIC = "KATAVMM\n".getBytes(StandardCharsets.US_ASCII);
    static final int MAX_STRING = 4096;
    static final int MAX_VCPUS = 256;
    static final int MAX_MSRS = 4096;
    static final int MAX_DEVICES = 64;
    static final int MAX_QUEUES = 64;
    static final int MAX_CPUID_ENTRIES = 256;
    static final long PAGE = 4096;

    private SnapshotCodec() {
    }

    /** The state file's bytes for {@code snapshot}. */
    public static byte[] encode(Snapshot snapshot) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            SnapshotIdentity id = snapshot.identity();
            string(out, id.build());
            string(out, id.hostKernel());
            string(out, id.cpu());
            string(out, id.guest());
            out.writeInt(snapshot.vcpuCount());
            out.writeLong(snapshot.memoryBytes());
            MachineState m = snapshot.machine();
            blob(out, m.pit());
            blob(out, m.clock());
            blob(out, m.picMaster());
            blob(out, m.picSlave());
            blob(out, m.ioapic());
            SerialState serial = m.serial();
            int[] registers = {serial.ier(), serial.lcr(), serial.mcr(), serial.scr(), serial.dll(), serial.dlm()};
            for (int register : registers) {
                out.writeInt(register);
            }
            out.writeByte(serial.fifo() ? 1 : 0);
            out.writeByte(serial.thrEmptyPending() ? 1 : 0);
            out.writeInt(snapshot.vcpus().size());
            for (VcpuState v : snapshot.vcpus()) {
                out.writeInt(v.id());
                out.writeInt(v.mpState());
                out.writeInt(v.tscKhz());
                blob(out, v.cpuid());
                blob(out, v.regs());
                blob(out, v.sregs());
                blob(out, v.xsave());
                blob(out, v.xcrs());
                blob(out, v.debugRegs());
                blob(out, v.lapic());
                out.writeInt(v.msrs().size());
                for (MsrEntry msr : v.msrs()) {
                    out.writeInt(msr.index());
                    out.writeLong(msr.data());
                }
                blob(out, v.events());
            }
            out.writeInt(snapshot.devices().size());
            for (DeviceState d : snapshot.devices()) {
                string(out, d.name());
                out.writeInt(d.deviceType());
                out.writeLong(d.mmioAddress());
                out.writeInt(d.irq());
                TransportState t = d.transport();
                out.writeInt(t.status());
                out.writeLong(t.driverFeatures());
                out.writeInt(t.deviceFeaturesSelect());
                out.writeInt(t.driverFeaturesSelect());
                out.writeInt(t.queueSelect());
                out.writeInt(t.interruptStatus());
                out.writeInt(t.queues().size());
                for (QueueState q : t.queues()) {
                    out.writeInt(q.size());
                    out.writeByte(q.ready() ? 1 : 0);
                    out.writeLong(q.descriptorTable());
                    out.writeLong(q.availableRing());
                    out.writeLong(q.usedRing());
                    out.writeShort(q.nextAvailable());
                    out.writeShort(q.nextUsed());
                }
            }
            out.writeInt(snapshot.memory().size());
            for (MemoryExtent e : snapshot.memory()) {
                out.writeLong(e.offset());
                out.writeLong(e.length());
            }
            out.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a state file, refusing one of another format version or identity than {@code expected}, and one that is
     * truncated or damaged.
     */
    public static Snapshot decode(byte[] file, SnapshotIdentity expected) throws SnapshotException {
        Reader in = new Reader(ByteBuffer.wrap(file));
        byte[] magic = in.fixed("magic", MAGIC.length);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new SnapshotException.Corrupt("magic", "this is not a built-in VMM snapshot (no \"KATAVMM\" header)");
        }
        int version = in.u32("format version");
        if (version != VERSION) {
            throw new SnapshotException.Foreign("format version", Integer.toString(version),
                    Integer.toString(VERSION));
        }
        SnapshotIdentity identity = new SnapshotIdentity(in.string("identity.build"),
                in.string("identity.hostKernel"), in.string("identity.cpu"), in.string("identity.guest"));
        SnapshotException.Foreign foreign = expected.mismatch(identity);
        if (foreign != null) {
            throw foreign;
        }
        int vcpuCount = in.count("vcpuCount", 1, MAX_VCPUS);
        long memoryBytes = in.u64("memoryBytes");
        if (memoryBytes <= 0 || memoryBytes % PAGE != 0) {
            throw new SnapshotException.Corrupt("memoryBytes", memoryBytes + " is not a positive number of pages");
        }
        MachineState machine = new MachineState(
                in.blob("machine.pit", KvmLayouts.KVM_PIT_STATE2.byteSize()),
                in.blob("machine.clock", KvmLayouts.KVM_CLOCK_DATA.byteSize()),
                in.blob("machine.picMaster", KvmLayouts.KVM_IRQCHIP.byteSize()),
                in.blob("machine.picSlave", KvmLayouts.KVM_IRQCHIP.byteSize()),
                in.blob("machine.ioapic", KvmLayouts.KVM_IRQCHIP.byteSize()),
                new SerialState(in.register("serial.ier"), in.register("serial.lcr"), in.register("serial.mcr"),
                        in.register("serial.scr"), in.register("serial.dll"), in.register("serial.dlm"),
                        in.flag("serial.fifo"), in.flag("serial.thrEmptyPending")));
        int vcpuStates = in.count("vcpus", vcpuCount, vcpuCount);
        List<VcpuState> vcpus = new ArrayList<>(vcpuStates);
        for (int i = 0; i < vcpuStates; i++) {
            String v = "vcpu[" + i + "].";
            int id = in.u32(v + "id");
            if (id != i) {
                throw new SnapshotException.Corrupt(v + "id", "vCPU " + id + " where vCPU " + i + " belongs");
            }
            int mpState = in.u32(v + "mpState");
            int tscKhz = in.u32(v + "tscKhz");
            byte[] cpuid = in.blobOf(v + "cpuid", KvmLayouts.KVM_CPUID_ENTRY2.byteSize(), MAX_CPUID_ENTRIES);
            byte[] regs = in.blob(v + "regs", KvmLayouts.KVM_REGS.byteSize());
            byte[] sregs = in.blob(v + "sregs", KvmLayouts.KVM_SREGS.byteSize());
            byte[] xsave = in.blob(v + "xsave", KvmLayouts.KVM_XSAVE.byteSize());
            byte[] xcrs = in.blob(v + "xcrs", KvmLayouts.KVM_XCRS.byteSize());
            byte[] debugRegs = in.blob(v + "debugRegs", KvmLayouts.KVM_DEBUGREGS.byteSize());
            byte[] lapic = in.blob(v + "lapic", KvmLayouts.KVM_LAPIC_STATE.byteSize());
            int msrCount = in.count(v + "msrs", 0, MAX_MSRS);
            List<MsrEntry> msrs = new ArrayList<>(msrCount);
            for (int m = 0; m < msrCount; m++) {
                msrs.add(new MsrEntry(in.u32(v + "msrs[" + m + "].index"), in.u64(v + "msrs[" + m + "].value")));
            }
            byte[] events = in.blob(v + "events", KvmLayouts.KVM_VCPU_EVENTS.byteSize());
            vcpus.add(new VcpuState(id, mpState, tscKhz, cpuid, regs, sregs, xsave, xcrs, debugRegs, lapic, msrs,
                    events));
        }
        int deviceCount = in.count("devices", 0, MAX_DEVICES);
        List<DeviceState> devices = new ArrayList<>(deviceCount);
        for (int i = 0; i < deviceCount; i++) {
            String d = "device[" + i + "].";
            String name = in.string(d + "name");
            int type = in.u32(d + "type");
            long address = in.u64(d + "mmioAddress");
            int irq = in.u32(d + "irq");
            int status = in.u32(d + "status");
            long driverFeatures = in.u64(d + "driverFeatures");
            int deviceFeaturesSelect = in.u32(d + "deviceFeaturesSelect");
            int driverFeaturesSelect = in.u32(d + "driverFeaturesSelect");
            int queueSelect = in.u32(d + "queueSelect");
            int interruptStatus = in.u32(d + "interruptStatus");
            int queueCount = in.count(d + "queues", 0, MAX_QUEUES);
            List<QueueState> queues = new ArrayList<>(queueCount);
            for (int q = 0; q < queueCount; q++) {
                String p = d + "queue[" + q + "].";
                int size = in.count(p + "size", 0, 32768);
                boolean ready = in.flag(p + "ready");
                queues.add(new QueueState(size, ready, in.u64(p + "descriptorTable"),
                        in.u64(p + "availableRing"), in.u64(p + "usedRing"), in.u16(p + "nextAvailable"),
                        in.u16(p + "nextUsed")));
            }
            devices.add(new DeviceState(name, type, address, irq, new TransportState(status, driverFeatures,
                    deviceFeaturesSelect, driverFeaturesSelect, queueSelect, interruptStatus, queues)));
        }
        int extentCount = in.count("memory", 0, (int) Math.min(Integer.MAX_VALUE, memoryBytes / PAGE));
        List<MemoryExtent> memory = new ArrayList<>(extentCount);
        long previousEnd = 0;
        for (int i = 0; i < extentCount; i++) {
            String e = "memory[" + i + "]";
            long offset = in.u64(e + ".offset");
            long length = in.u64(e + ".length");
            if (offset < previousEnd || length <= 0 || offset % PAGE != 0 || length % PAGE != 0
                    || length > memoryBytes - offset) {
                throw new SnapshotException.Corrupt(e, String.format("extent 0x%x+0x%x is not page-aligned, ascending"
                        + " and inside the %d bytes of memory", offset, length, memoryBytes));
            }
            previousEnd = offset + length;
            memory.add(new MemoryExtent(offset, length));
        }
        int checked = in.position();
        int stored = in.u32("checksum");
        if (in.remaining() != 0) {
            throw new SnapshotException.Corrupt("end of file", in.remaining() + " bytes follow the checksum");
        }
        CRC32C crc = new CRC32C();
        crc.update(file, 0, checked);
        if ((int) crc.getValue() != stored) {
            throw new SnapshotException.Corrupt("checksum", String.format("the state file's CRC32C is %08x, it says"
                    + " %08x", (int) crc.getValue(), stored));
        }
        return new Snapshot(identity, vcpuCount, memoryBytes, machine, vcpus, devices, memory);
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        blob(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void blob(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    /** Reads fields by name; a short file or a wrong size is a {@link SnapshotException.Corrupt} naming the field. */
    private record Reader(ByteBuffer buffer) {
        int position() {
            return buffer.position();
        }

        int remaining() {
            return buffer.remaining();
        }

        byte[] fixed(String field, int length) throws SnapshotException {
            if (buffer.remaining() < length) {
                throw truncated(field, length);
            }
            byte[] b = new byte[length];
            buffer.get(b);
            return b;
        }

        int u8(String field) throws SnapshotException {
            return Byte.toUnsignedInt(fixed(field, 1)[0]);
        }

        int u16(String field) throws SnapshotException {
            try {
                return Short.toUnsignedInt(buffer.getShort());
            } catch (BufferUnderflowException e) {
                throw truncated(field, 2);
            }
        }

        int u32(String field) throws SnapshotException {
            try {
                return buffer.getInt();
            } catch (BufferUnderflowException e) {
                throw truncated(field, 4);
            }
        }

        long u64(String field) throws SnapshotException {
            try {
                return buffer.getLong();
            } catch (BufferUnderflowException e) {
                throw truncated(field, 8);
            }
        }

        boolean flag(String field) throws SnapshotException {
            int value = u8(field);
            if (value > 1) {
                throw new SnapshotException.Corrupt(field, "value " + value + " is neither 0 nor 1");
            }
            return value == 1;
        }

        /** An 8-bit register kept in a u32. */
        int register(String field) throws SnapshotException {
            int value = u32(field);
            if (value < 0 || value > 0xff) {
                throw new SnapshotException.Corrupt(field, "value 0x" + Integer.toHexString(value)
                        + " does not fit an 8-bit register");
            }
            return value;
        }

        int count(String field, int min, int max) throws SnapshotException {
            int n = u32(field);
            if (n < min || n > max) {
                throw new SnapshotException.Corrupt(field, "count " + Integer.toUnsignedString(n)
                        + " is outside " + min + ".." + max);
            }
            return n;
        }

        String string(String field) throws SnapshotException {
            int length = u32(field + " length");
            if (length < 0 || length > MAX_STRING) {
                throw new SnapshotException.Corrupt(field, "length " + Integer.toUnsignedString(length)
                        + " is above " + MAX_STRING);
            }
            return new String(fixed(field, length), StandardCharsets.UTF_8);
        }

        /** A struct of exactly {@code size} bytes. */
        byte[] blob(String field, long size) throws SnapshotException {
            int length = u32(field + " length");
            if (length != size) {
                throw new SnapshotException.Corrupt(field, "it has " + Integer.toUnsignedString(length)
                        + " bytes, this host's struct has " + size);
            }
            return fixed(field, length);
        }

        /** Up to {@code max} structs of {@code size} bytes. */
        byte[] blobOf(String field, long size, int max) throws SnapshotException {
            int length = u32(field + " length");
            if (length < 0 || length % size != 0 || length / size > max) {
                throw new SnapshotException.Corrupt(field, Integer.toUnsignedString(length) + " bytes are not up to "
                        + max + " structs of " + size);
            }
            return fixed(field, length);
        }

        private SnapshotException.Corrupt truncated(String field, int wanted) {
            return new SnapshotException.Corrupt(field, "the file ends there (" + buffer.remaining() + " of "
                    + wanted + " bytes left at offset " + buffer.position() + ")");
        }
    }
}
