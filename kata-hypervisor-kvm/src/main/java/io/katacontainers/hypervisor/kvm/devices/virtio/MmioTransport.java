package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.BusDevice;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The virtio-mmio transport, version 2 (virtio 1.x section 4.2.2), for one device in one 4 KiB window. vCPU threads
 * call {@link #read}/{@link #write}; activation and reset run on the device event loop. The VMM places it on the
 * MMIO bus, announces it on the kernel command line ({@code virtio_mmio.device=4K@0xBASE:IRQ}), registers
 * {@link #interrupt()}'s eventfd as irqfd for the IRQ and each of {@link #queueEvents()} as ioeventfd at
 * {@code BASE + QUEUE_NOTIFY} (4 bytes, datamatch = queue index).
 */
public final class MmioTransport implements BusDevice, AutoCloseable {
    public static final long WINDOW_SIZE = 0x1000;
    /** The status bits a driver sets before it may negotiate features: it saw the device and knows how to drive it. */
    private static final int DRIVER_FOUND = Virtio.STATUS_ACKNOWLEDGE | Virtio.STATUS_DRIVER;
    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int SHM_SEL = 0x0ac;
    public static final int SHM_LEN_LOW = 0x0b0;
    public static final int SHM_LEN_HIGH = 0x0b4;
    public static final int SHM_BASE_LOW = 0x0b8;
    public static final int SHM_BASE_HIGH = 0x0bc;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;

    /** "virt" in little-endian. */
    static final int MAGIC = 0x74726976;
    /** Vendor id as Firecracker and Cloud Hypervisor report it ("QEMU" would claim a vendor we are not). */
    static final int VENDOR = 0;

    private static final System.Logger LOG = System.getLogger(MmioTransport.class.getName());

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final EventLoop loop;
    private final VirtioInterrupt interrupt;
    private final List<Queue> queues;
    private final List<Fd> queueEvents;
    private final String name;
    /** Written under the transport's lock; NEEDS_RESET is also set from the event loop without it. */
    private final AtomicInteger status = new AtomicInteger();

    private int deviceFeaturesSelect;
    private int driverFeaturesSelect;
    private long driverFeatures;
    private int queueSelect;
    private Activation activation;

    /**
     * A transport for {@code device}, with its interrupt eventfd and one notify eventfd per queue.
     *
     * @param name for log lines, e.g. {@code "vsock@0xd0000000"}
     */
    public MmioTransport(String name, VirtioDevice device, GuestMemory memory, EventLoop loop)
            throws SyscallException {
        if ((device.features() & Virtio.F_VERSION_1) == 0) {
            throw new IllegalArgumentException(name + ": a virtio-mmio version 2 device must offer VIRTIO_F_VERSION_1");
        }
        this.name = name;
        this.device = device;
        this.memory = memory;
        this.loop = loop;
        List<Queue> qs = new ArrayList<>();
        List<Fd> events = new ArrayList<>();
        VirtioInterrupt irq = VirtioInterrupt.create();
        try {
            for (int i = 0; i < device.queueCount(); i++) {
                qs.add(new Queue(device.queueMaxSize()));
                events.add(EventFds.create());
            }
        } catch (SyscallException | RuntimeException e) {
            try (irq) {
                closeAll(events);
            }
            throw e;
        }
        this.interrupt = irq;
        this.queues = List.copyOf(qs);
        this.queueEvents = List.copyOf(events);
    }

    public VirtioDevice device() {
        return device;
    }

    /** The interrupt: register its eventfd as the irqfd of this device's IRQ line. */
    public VirtioInterrupt interrupt() {
        return interrupt;
    }

    /** One notify eventfd per queue, in queue order: register each as ioeventfd at QUEUE_NOTIFY with its index. */
    public List<Fd> queueEvents() {
        return queueEvents;
    }

    /** The Status register. */
    public int status() {
        return status.get();
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) {
            return readConfig(offset - CONFIG, size);
        }
        if (size != 4 || offset % 4 != 0) {
            LOG.log(Level.DEBUG, "{0}: ignoring a {1}-byte read of register 0x{2}", name, size,
                    Long.toHexString(offset));
            return 0;
        }
        Queue queue = selectedQueue();
        return Integer.toUnsignedLong(switch ((int) offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> 2;
            case DEVICE_ID -> device.deviceType();
            case VENDOR_ID -> VENDOR;
            case DEVICE_FEATURES -> deviceFeaturesSelect > 1 ? 0
                    : (int) (device.features() >>> (32 * deviceFeaturesSelect));
            case QUEUE_NUM_MAX -> queue == null ? 0 : queue.maxSize();
            case QUEUE_READY -> queue != null && queue.ready() ? 1 : 0;
            case INTERRUPT_STATUS -> interrupt.status();
            case STATUS -> status.get();
            // No shared memory regions: the spec's "does not exist" is all ones (Linux's virtio-fs DAX probe asks).
            case SHM_LEN_LOW, SHM_LEN_HIGH, SHM_BASE_LOW, SHM_BASE_HIGH -> -1;
            // The configuration never changes while a driver runs, so one generation suffices.
            case CONFIG_GENERATION -> 0;
            default -> 0;
        });
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset >= CONFIG) {
            LOG.log(Level.DEBUG, "{0}: ignoring a write to the read-only configuration at 0x{1}", name,
                    Long.toHexString(offset - CONFIG));
            return;
        }
        if (size != 4 || offset % 4 != 0) {
            LOG.log(Level.DEBUG, "{0}: ignoring a {1}-byte write to register 0x{2}", name, size,
                    Long.toHexString(offset));
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSelect = v;
            case DRIVER_FEATURES_SEL -> driverFeaturesSelect = v;
            case DRIVER_FEATURES -> writeDriverFeatures(v);
            case QUEUE_SEL -> queueSelect = v;
            case QUEUE_NUM -> configureQueue(q -> q.setSize(v));
            case QUEUE_READY -> configureQueue(q -> q.setReady(v == 1));
            case QUEUE_DESC_LOW -> configureQueue(q -> q.setDescriptorTable(low(q.descriptorTable(), v)));
            case QUEUE_DESC_HIGH -> configureQueue(q -> q.setDescriptorTable(high(q.descriptorTable(), v)));
            case QUEUE_DRIVER_LOW -> configureQueue(q -> q.setAvailableRing(low(q.availableRing(), v)));
            case QUEUE_DRIVER_HIGH -> configureQueue(q -> q.setAvailableRing(high(q.availableRing(), v)));
            case QUEUE_DEVICE_LOW -> configureQueue(q -> q.setUsedRing(low(q.usedRing(), v)));
            case QUEUE_DEVICE_HIGH -> configureQueue(q -> q.setUsedRing(high(q.usedRing(), v)));
            case QUEUE_NOTIFY -> notifyQueue(v);
            case INTERRUPT_ACK -> interrupt.acknowledge(v);
            case STATUS -> writeStatus(v);
            default -> LOG.log(Level.DEBUG, "{0}: ignoring a write to register 0x{1}", name, Long.toHexString(offset));
        }
    }

    private long readConfig(long offset, int size) {
        byte[] config = device.config();
        long value = 0;
        for (int i = 0; i < size; i++) {
            long at = offset + i;
            if (at < config.length) {
                value |= (config[(int) at] & 0xffL) << (8 * i);
            }
        }
        return value;
    }

    private static long low(long current, int value) {
        return (current & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(value);
    }

    private static long high(long current, int value) {
        return (current & 0xffff_ffffL) | ((long) value << 32);
    }

    private Queue selectedQueue() {
        return queueSelect >= 0 && queueSelect < queues.size() ? queues.get(queueSelect) : null;
    }

    private void writeDriverFeatures(int value) {
        int s = status.get();
        if ((s & Virtio.STATUS_DRIVER) == 0 || (s & Virtio.STATUS_FEATURES_OK) != 0 || driverFeaturesSelect > 1) {
            LOG.log(Level.DEBUG, "{0}: ignoring DriverFeatures outside feature negotiation", name);
            return;
        }
        int shift = 32 * driverFeaturesSelect;
        driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | (Integer.toUnsignedLong(value) << shift);
    }

    private void configureQueue(Consumer<Queue> change) {
        int s = status.get();
        Queue queue = selectedQueue();
        if (queue == null || (s & Virtio.STATUS_FEATURES_OK) == 0 || (s & Virtio.STATUS_DRIVER_OK) != 0) {
            LOG.log(Level.DEBUG, "{0}: ignoring queue {1} setup in status 0x{2}", name, queueSelect,
                    Integer.toHexString(s));
            return;
        }
        change.accept(queue);
    }

    /** QueueNotify reached the bus (no ioeventfd registered, or not matched): deliver it the same way. */
    private void notifyQueue(int index) {
        if (index < 0 || index >= queueEvents.size()) {
            LOG.log(Level.DEBUG, "{0}: ignoring a notification of queue {1}", name, index);
            return;
        }
        try {
            EventFds.signal(queueEvents.get(index));
        } catch (SyscallException e) {
            LOG.log(Level.ERROR, name + ": cannot signal the notify eventfd of queue " + index, e);
        }
    }

    private void writeStatus(int value) {
        int old = status.get();
        if (value == 0) {
            reset();
            return;
        }
        if ((value & Virtio.STATUS_FAILED) != 0) {
            LOG.log(Level.WARNING, "{0}: the driver gave up on the device (status FAILED)", name);
            status.getAndUpdate(s -> s | Virtio.STATUS_FAILED);
            return;
        }
        int added = value & ~old;
        if ((value & old) != (old & ~Virtio.STATUS_DEVICE_NEEDS_RESET) || Integer.bitCount(added) != 1) {
            LOG.log(Level.DEBUG, "{0}: ignoring status 0x{1} after 0x{2}", name, Integer.toHexString(value),
                    Integer.toHexString(old));
            return;
        }
        switch (added) {
            case Virtio.STATUS_ACKNOWLEDGE -> setStatus(added, old == 0);
            case Virtio.STATUS_DRIVER -> setStatus(added, old == Virtio.STATUS_ACKNOWLEDGE);
            case Virtio.STATUS_FEATURES_OK -> setStatus(added, (old & DRIVER_FOUND) == DRIVER_FOUND
                    && featuresAcceptable());
            case Virtio.STATUS_DRIVER_OK -> {
                if ((old & Virtio.STATUS_FEATURES_OK) != 0 && setStatus(added, true)) {
                    activate();
                }
            }
            default -> LOG.log(Level.DEBUG, "{0}: ignoring status bit 0x{1}", name, Integer.toHexString(added));
        }
    }

    private boolean setStatus(int bit, boolean allowed) {
        if (allowed) {
            status.getAndUpdate(s -> s | bit);
        } else {
            LOG.log(Level.DEBUG, "{0}: refusing status bit 0x{1} in status 0x{2}", name, Integer.toHexString(bit),
                    Integer.toHexString(status.get()));
        }
        return allowed;
    }

    private boolean featuresAcceptable() {
        if ((driverFeatures & Virtio.F_VERSION_1) == 0) {
            LOG.log(Level.WARNING, "{0}: the driver did not accept VIRTIO_F_VERSION_1 (no legacy drivers)", name);
            return false;
        }
        long unknown = driverFeatures & ~device.features();
        if (unknown != 0) {
            LOG.log(Level.WARNING, "{0}: the driver accepted features 0x{1} the device never offered", name,
                    Long.toHexString(unknown));
            return false;
        }
        return true;
    }

    private void activate() {
        Activation next = new Activation(memory, driverFeatures, queues, queueEvents, interrupt, loop,
                this::deviceNeedsReset);
        try {
            loop.call(() -> {
                for (int i = 0; i < queues.size(); i++) {
                    if (!queues.get(i).ready()) {
                        throw new InvalidQueueException("the driver did not set up queue " + i);
                    }
                    queues.get(i).activate(memory);
                }
                try {
                    device.activate(next);
                } catch (IOException | RuntimeException e) {
                    next.endWatches();
                    throw e;
                }
                return null;
            });
            activation = next;
        } catch (ExecutionException e) {
            deviceNeedsReset("activation failed: " + e.getCause().getMessage());
        } catch (IllegalStateException e) {
            deviceNeedsReset(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deviceNeedsReset("interrupted while activating");
        }
    }

    /**
     * The transport's registers and queues, for a snapshot. Take it while no vCPU runs and, for a device at work,
     * on its event loop (so no queue moves meanwhile).
     */
    public synchronized TransportState saveState() {
        return new TransportState(status.get(), driverFeatures, deviceFeaturesSelect, driverFeaturesSelect, queueSelect,
                interrupt.status(), queues.stream().map(Queue::state).toList());
    }

    /**
     * Puts a fresh transport (never touched by a driver) into a snapshot's state. When the driver had started the
     * device (DRIVER_OK without NEEDS_RESET), the queues are checked against guest memory again, take back their
     * positions and the device is activated on its event loop, as if the driver had just set DRIVER_OK.
     *
     * @throws IOException when the state does not fit this device (queue count, features it does not offer) or the
     *                     device cannot start; the transport is then left reset
     */
    public synchronized void restoreState(TransportState state) throws IOException {
        if (status.get() != 0 || activation != null) {
            throw new IllegalStateException(name + ": only a fresh transport takes a snapshot's state");
        }
        if (state.queues().size() != queues.size()) {
            throw new IOException(name + ": the snapshot has " + state.queues().size() + " queues, the device "
                    + queues.size());
        }
        long unknown = state.driverFeatures() & ~device.features();
        if (unknown != 0) {
            throw new IOException(name + ": the snapshot's driver accepted features 0x" + Long.toHexString(unknown)
                    + " this device does not offer");
        }
        for (int i = 0; i < queues.size(); i++) {
            QueueState q = state.queues().get(i);
            if (q.size() > queues.get(i).maxSize()) {
                throw new IOException(name + ": queue " + i + " has size " + q.size() + " in the snapshot, above the"
                        + " device's maximum " + queues.get(i).maxSize());
            }
            queues.get(i).restoreSetup(q);
        }
        driverFeatures = state.driverFeatures();
        deviceFeaturesSelect = state.deviceFeaturesSelect();
        driverFeaturesSelect = state.driverFeaturesSelect();
        queueSelect = state.queueSelect();
        interrupt.restoreStatus(state.interruptStatus());
        int restored = state.status();
        boolean active = (restored & Virtio.STATUS_DRIVER_OK) != 0
                && (restored & (Virtio.STATUS_DEVICE_NEEDS_RESET | Virtio.STATUS_FAILED)) == 0;
        if (active) {
            Activation next = new Activation(memory, driverFeatures, queues, queueEvents, interrupt, loop,
                    this::deviceNeedsReset);
            try {
                loop.call(() -> {
                    for (int i = 0; i < queues.size(); i++) {
                        queues.get(i).activate(memory);
                        queues.get(i).restorePositions(state.queues().get(i));
                    }
                    try {
                        device.activate(next);
                    } catch (IOException | RuntimeException e) {
                        next.endWatches();
                        throw e;
                    }
                    return null;
                });
            } catch (ExecutionException e) {
                reset();
                throw new IOException(name + ": the restored device did not start: " + e.getCause().getMessage(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                reset();
                throw new IOException(name + ": interrupted while restoring the device", e);
            }
            activation = next;
        }
        status.set(restored);
    }

    /**
     * After a restore, once the vCPUs' interrupt controllers are back: a notification on every queue of a started
     * device (a kick the saved VM's device had not read yet would otherwise be lost; a spurious one finds nothing new),
     * and the interrupt again when the saved status had one pending (the driver then finds its used buffers).
     */
    public void resumeAfterRestore() throws SyscallException {
        if (activation == null) {
            return;
        }
        for (Fd event : queueEvents) {
            EventFds.signal(event);
        }
        int pending = interrupt.status();
        if ((pending & VirtioInterrupt.USED_BUFFER) != 0) {
            interrupt.signalUsedBuffer();
        }
        if ((pending & VirtioInterrupt.CONFIG_CHANGE) != 0) {
            interrupt.signalConfigChange();
        }
    }

    private void deviceNeedsReset(String reason) {
        LOG.log(Level.WARNING, "{0}: device needs reset: {1}", name, reason);
        status.getAndUpdate(s -> s | Virtio.STATUS_DEVICE_NEEDS_RESET);
        interrupt.signalConfigChange();
    }

    private void reset() {
        Activation active = activation;
        activation = null;
        if (active != null) {
            try {
                loop.call(() -> {
                    active.endWatches();
                    device.reset();
                    return null;
                });
            } catch (ExecutionException e) {
                LOG.log(Level.ERROR, name + ": device reset failed", e.getCause());
            } catch (IllegalStateException e) {
                LOG.log(Level.ERROR, name + ": cannot reset the device", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.log(Level.ERROR, name + ": interrupted while resetting the device");
            }
        }
        queues.forEach(Queue::reset);
        driverFeatures = 0;
        deviceFeaturesSelect = 0;
        driverFeaturesSelect = 0;
        queueSelect = 0;
        interrupt.clear();
        status.set(0);
    }

    /**
     * Resets an active device, then closes the device, the interrupt and the notify eventfds. Close transports
     * before their event loop (the reset runs on it) and after the VM stopped running vCPUs.
     */
    @Override
    public synchronized void close() throws IOException {
        reset();
        try (interrupt) {
            device.close();
        } finally {
            closeAll(queueEvents);
        }
    }

    private static void closeAll(List<Fd> fds) throws SyscallException {
        SyscallException first = null;
        for (Fd fd : fds) {
            try {
                fd.close();
            } catch (SyscallException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
