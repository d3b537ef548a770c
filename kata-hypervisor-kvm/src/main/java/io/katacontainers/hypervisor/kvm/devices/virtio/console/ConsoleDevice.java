package io.katacontainers.hypervisor.kvm.devices.virtio.console;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Errno;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.Libc;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Activation;
import io.katacontainers.hypervisor.kvm.devices.virtio.ChainCursor;
import io.katacontainers.hypervisor.kvm.devices.virtio.DescriptorChain;
import io.katacontainers.hypervisor.kvm.devices.virtio.EventLoop;
import io.katacontainers.hypervisor.kvm.devices.virtio.InvalidQueueException;
import io.katacontainers.hypervisor.kvm.devices.virtio.Queue;
import io.katacontainers.hypervisor.kvm.devices.virtio.Virtio;
import io.katacontainers.hypervisor.kvm.devices.virtio.VirtioDevice;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.channels.WritableByteChannel;

/**
 * virtio-console (device id 3) with one port (hvc0 in the guest): what the guest writes goes to {@code output}
 * (the sandbox's console log), and, when an input descriptor is given, what arrives on it goes to the guest.
 * No multiport, size or emergency-write features.
 */
public final class ConsoleDevice implements VirtioDevice {
    static final int RECEIVE = 0;
    static final int TRANSMIT = 1;
    static final int QUEUE_SIZE = 256;
    /** cols, rows (u16), max_nr_ports, emerg_wr (u32): all zero without the features that give them meaning. */
    static final int CONFIG_SIZE = 12;

    private static final System.Logger LOG = System.getLogger(ConsoleDevice.class.getName());

    private final WritableByteChannel output;
    private final Fd input;
    private Activation activation;
    private EventLoop.Registration inputWatch;
    private boolean inputEnded;
    /** The writer of the input went away: the watch would report it forever, so reads go on at the guest's pace. */
    private boolean inputHungUp;

    private ConsoleDevice(WritableByteChannel output, Fd input) {
        this.output = output;
        this.input = input;
    }

    /** A console writing to {@code output}, without input. */
    public static ConsoleDevice outputOnly(WritableByteChannel output) {
        return new ConsoleDevice(output, null);
    }

    /**
     * A console writing to {@code output} and reading the guest's input from {@code input}, which must be
     * non-blocking (a pipe or a pty master); the device owns both.
     */
    public static ConsoleDevice withInput(WritableByteChannel output, Fd input) {
        return new ConsoleDevice(output, input);
    }

    @Override
    public int deviceType() {
        return Virtio.ID_CONSOLE;
    }

    @Override
    public long features() {
        return Virtio.F_VERSION_1;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int queueMaxSize() {
        return QUEUE_SIZE;
    }

    @Override
    public byte[] config() {
        return new byte[CONFIG_SIZE];
    }

    @Override
    public void activate(Activation next) throws IOException {
        activation = next;
        next.serveQueue(TRANSMIT, this::transmit);
        if (input != null && !inputEnded) {
            inputWatch = next.watch(input, Epoll.EPOLLIN, events -> {
                inputHungUp |= (events & (Epoll.EPOLLHUP | Epoll.EPOLLERR)) != 0;
                receive();
            });
            next.onQueueNotify(RECEIVE, this::receive);
        }
    }

    /** Guest output: every readable byte of the chain goes to the output. */
    private long transmit(DescriptorChain chain) throws IOException {
        ChainCursor in = chain.readable();
        for (MemorySegment s = in.next(Long.MAX_VALUE); s.byteSize() > 0; s = in.next(Long.MAX_VALUE)) {
            var buffer = s.asByteBuffer();
            while (buffer.hasRemaining()) {
                output.write(buffer);
            }
        }
        return 0;
    }

    /** Host input: fills the guest's receive buffers while both input and buffers last. */
    private void receive() {
        Queue queue = activation.queues().get(RECEIVE);
        boolean used = false;
        try {
            for (DescriptorChain chain = queue.pop(); chain != null; chain = queue.pop()) {
                long n = readInput(chain.writable());
                if (n <= 0) {
                    queue.undoPop();
                    break;
                }
                queue.addUsed(chain.head(), n);
                used = true;
            }
            if (inputEnded || inputHungUp) {
                inputWatch.close();
            } else {
                // Watch the input only while the guest has buffers for it; its notification brings the watch back.
                inputWatch.modify(queue.hasAvailable() ? Epoll.EPOLLIN : 0);
            }
        } catch (InvalidQueueException e) {
            activation.needsReset("console receive queue: " + e.getMessage());
        } catch (SyscallException e) {
            LOG.log(Level.WARNING, "console: cannot watch the input; the guest gets no more of it", e);
            inputEnded = true;
        }
        if (used) {
            activation.interrupt().signalUsedBuffer();
        }
    }

    /** Bytes read into the chain; 0 when no input is waiting or it ended. */
    private long readInput(ChainCursor target) {
        MemorySegment s = target.next(target.remaining());
        if (s.byteSize() == 0 || inputEnded) {
            return 0;
        }
        try {
            long n = Libc.read(input.get(), s);
            if (n == 0) {
                LOG.log(Level.INFO, "console: input ended");
                inputEnded = true;
            }
            return n;
        } catch (SyscallException e) {
            if (!e.is(Errno.EAGAIN)) {
                LOG.log(Level.WARNING, "console: reading the input failed; the guest gets no more of it", e);
                inputEnded = true;
            }
            return 0;
        }
    }

    @Override
    public void reset() {
        activation = null;
        inputWatch = null;
        inputHungUp = false;
    }

    @Override
    public void close() throws IOException {
        try (output) {
            if (input != null) {
                input.close();
            }
        }
    }
}
