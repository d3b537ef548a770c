package io.katacontainers.hypervisor.kvm.devices.virtio;

import io.katacontainers.ffm.libc.Epoll;
import io.katacontainers.ffm.libc.Fd;
import io.katacontainers.ffm.libc.SyscallException;
import io.katacontainers.hypervisor.kvm.vstate.GuestMemory;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a device gets when the driver sets DRIVER_OK: guest memory, the negotiated features, the queues (size and
 * ring addresses, ready to {@link Queue#pop}), each queue's notify eventfd (signalled by KVM's ioeventfd when the
 * guest writes the queue index to QueueNotify, or by the transport when that write reaches it), the interrupt, and
 * the event loop. Watches made through {@link #watch} and {@link #onQueueNotify} end when the device is reset.
 */
public final class Activation {
    private static final System.Logger LOG = System.getLogger(Activation.class.getName());

    private final GuestMemory memory;
    private final long features;
    private final List<Queue> queues;
    private final List<Fd> queueEvents;
    private final VirtioInterrupt interrupt;
    private final EventLoop loop;
    private final Consumer<String> needsReset;
    private final List<EventLoop.Registration> watches = new ArrayList<>();

    Activation(GuestMemory memory, long features, List<Queue> queues, List<Fd> queueEvents, VirtioInterrupt interrupt,
               EventLoop loop, Consumer<String> needsReset) {
        this.memory = memory;
        this.features = features;
        this.queues = List.copyOf(queues);
        this.queueEvents = List.copyOf(queueEvents);
        this.interrupt = interrupt;
        this.loop = loop;
        this.needsReset = needsReset;
    }

    public GuestMemory memory() {
        return memory;
    }

    /** The features the driver accepted. */
    public long features() {
        return features;
    }

    public List<Queue> queues() {
        return queues;
    }

    /** Queue {@code i}'s notify eventfd (a vhost-user back end gets it as its kick fd). */
    public List<Fd> queueEvents() {
        return queueEvents;
    }

    public VirtioInterrupt interrupt() {
        return interrupt;
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Reports that the device cannot go on (a broken queue, a failed back end): the transport sets
     * DEVICE_NEEDS_RESET and raises a configuration-change interrupt, and the driver resets the device.
     */
    public void needsReset(String reason) {
        needsReset.accept(reason);
    }

    /** Watches {@code fd} on the event loop until the device is reset. */
    public EventLoop.Registration watch(Fd fd, int events, EventLoop.Handler handler) throws SyscallException {
        EventLoop.Registration registration = loop.register(fd, events, handler);
        watches.add(registration);
        return registration;
    }

    /** Runs {@code handler} on the event loop each time the driver notifies queue {@code index}. */
    public EventLoop.Registration onQueueNotify(int index, Runnable handler) throws SyscallException {
        Fd event = queueEvents.get(index);
        return watch(event, Epoll.EPOLLIN, ready -> {
            try {
                EventFds.drain(event);
            } catch (SyscallException e) {
                needsReset("cannot read the notify eventfd of queue " + index + ": " + e.getMessage());
                return;
            }
            handler.run();
        });
    }

    /** Serves one request: reads and writes the chain's buffers, returns how many bytes it wrote into the chain. */
    @FunctionalInterface
    public interface RequestHandler {
        long handle(DescriptorChain chain) throws IOException;
    }

    /**
     * Serves queue {@code index} request by request, for devices that answer each chain at once (blk, rng): on each
     * notification, every available chain goes through {@code handler} and back through the used ring, followed by
     * one used-buffer interrupt. A broken queue or a failed handler makes the device need reset.
     */
    public EventLoop.Registration serveQueue(int index, RequestHandler handler) throws SyscallException {
        Queue queue = queues.get(index);
        return onQueueNotify(index, () -> {
            boolean used = false;
            try {
                for (DescriptorChain chain = queue.pop(); chain != null; chain = queue.pop()) {
                    queue.addUsed(chain.head(), handler.handle(chain));
                    used = true;
                }
            } catch (InvalidQueueException | IOException e) {
                needsReset("queue " + index + ": " + e.getMessage());
            }
            if (used) {
                interrupt.signalUsedBuffer();
            }
        });
    }

    /** Ends the watches; the transport calls it after the device's {@link VirtioDevice#reset}. */
    void endWatches() {
        for (EventLoop.Registration registration : watches) {
            try {
                registration.close();
            } catch (SyscallException e) {
                LOG.log(Level.WARNING, "cannot stop watching a descriptor of a reset device", e);
            }
        }
        watches.clear();
    }
}
