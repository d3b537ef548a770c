package io.katacontainers.runtime.service;

import com.google.protobuf.Any;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.katacontainers.containerd.events.Envelope;
import io.katacontainers.containerd.events.ForwardRequest;
import io.katacontainers.containerd.events.TaskCheckpointed;
import io.katacontainers.containerd.events.TaskCreate;
import io.katacontainers.containerd.events.TaskDelete;
import io.katacontainers.containerd.events.TaskExecAdded;
import io.katacontainers.containerd.events.TaskExecStarted;
import io.katacontainers.containerd.events.TaskExit;
import io.katacontainers.containerd.events.TaskOOM;
import io.katacontainers.containerd.events.TaskPaused;
import io.katacontainers.containerd.events.TaskResumed;
import io.katacontainers.containerd.events.TaskStart;
import io.katacontainers.ttrpc.CallOptions;
import io.katacontainers.ttrpc.Metadata;
import io.katacontainers.ttrpc.StatusException;
import io.katacontainers.ttrpc.TtrpcClient;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Publishes task events to containerd, in the order they were published, from one thread: over ttrpc to the
 * events service containerd serves on {@code $TTRPC_ADDRESS} ({@value #SERVICE}/Forward), with the namespace in the
 * envelope and in the ttrpc metadata, as containerd's own shims do. A failed delivery is retried on a new
 * connection, after 1 s, 2 s, ... (at most {@link #MAX_DELAY} apart, containerd's shim publisher requeues the same
 * way), for as long as {@link #RETRY_WINDOW}: a containerd that restarts meanwhile gets the event, and the ones after
 * it, in order. Only then is it logged and dropped (containerd also learns of exits through Wait).
 */
public final class EventPublisher implements AutoCloseable {
    public static final String SERVICE = "containerd.services.events.ttrpc.v1.Events";
    /** The metadata key containerd reads the namespace from on ttrpc calls. */
    public static final String NAMESPACE_HEADER = "containerd-namespace-ttrpc";
    private static final System.Logger LOG = System.getLogger(EventPublisher.class.getName());
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    /** How long an event is retried while containerd does not take it (it restarts, say). */
    static final Duration RETRY_WINDOW = Duration.ofMinutes(2);
    /** The longest pause between two attempts. */
    static final Duration MAX_DELAY = Duration.ofSeconds(5);

    private record Pending(Envelope envelope, boolean stop) {
    }

    private final Optional<Path> address;
    private final String namespace;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread sender;
    private final Duration retryWindow;
    private final Duration unitDelay;
    private TtrpcClient client;

    /** @param address containerd's ttrpc socket; empty: events are only logged (no containerd to tell) */
    public EventPublisher(Optional<Path> address, String namespace) {
        this(address, namespace, RETRY_WINDOW, Duration.ofSeconds(1));
    }

    /** With the retry timing given: the n-th retry waits {@code n * unitDelay}, at most {@link #MAX_DELAY}. */
    EventPublisher(Optional<Path> address, String namespace, Duration retryWindow, Duration unitDelay) {
        this.address = address;
        this.namespace = namespace;
        this.retryWindow = retryWindow;
        this.unitDelay = unitDelay;
        this.sender = Thread.ofPlatform().daemon().name("events").start(this::send);
    }

    /** The topic containerd files an event under. */
    static String topic(Message event) {
        return switch (event) {
            case TaskCreate e -> "/tasks/create";
            case TaskStart e -> "/tasks/start";
            case TaskExit e -> "/tasks/exit";
            case TaskDelete e -> "/tasks/delete";
            case TaskExecAdded e -> "/tasks/exec-added";
            case TaskExecStarted e -> "/tasks/exec-started";
            case TaskPaused e -> "/tasks/paused";
            case TaskResumed e -> "/tasks/resumed";
            case TaskOOM e -> "/tasks/oom";
            case TaskCheckpointed e -> "/tasks/checkpointed";
            default -> throw new IllegalArgumentException("not a task event: " + event.getDescriptorForType()
                    .getFullName());
        };
    }

    /** Queues an event; it is sent after every event queued before it. */
    public void publish(Message event) {
        Envelope envelope = Envelope.newBuilder()
                .setTimestamp(timestamp(Instant.now()))
                .setNamespace(namespace)
                .setTopic(topic(event))
                // containerd's typeurl names its types by their full proto name, without a host prefix.
                .setEvent(Any.newBuilder().setTypeUrl(event.getDescriptorForType().getFullName())
                        .setValue(event.toByteString()))
                .build();
        queue.add(new Pending(envelope, false));
    }

    static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    private void send() {
        while (true) {
            Pending next;
            try {
                next = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (next.stop()) {
                return;
            }
            deliver(next.envelope());
        }
    }

    private void deliver(Envelope envelope) {
        if (address.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "event {0} (no TTRPC_ADDRESS: not published)", envelope.getTopic());
            return;
        }
        CallOptions options = CallOptions.ofTimeout(CALL_TIMEOUT)
                .withMetadata(Metadata.of(NAMESPACE_HEADER, namespace));
        Exception last = null;
        long giveUp = System.nanoTime() + retryWindow.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                if (client == null || !client.isOpen()) {
                    client = TtrpcClient.connect(address.get());
                }
                client.call(SERVICE, "Forward", ForwardRequest.newBuilder().setEnvelope(envelope).build(),
                        Empty.parser(), options);
                if (attempt > 1) {
                    LOG.log(System.Logger.Level.INFO, "published {0} to containerd after {1} attempts",
                            envelope.getTopic(), attempt);
                } else {
                    LOG.log(System.Logger.Level.DEBUG, "published {0}", envelope.getTopic());
                }
                return;
            } catch (IOException | StatusException e) {
                last = e;
                if (client != null) {
                    client.close();
                    client = null;
                }
            }
            Duration delay = unitDelay.multipliedBy(attempt);
            delay = delay.compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay;
            if (System.nanoTime() + delay.toNanos() > giveUp) {
                break;
            }
            if (attempt == 1) {
                LOG.log(System.Logger.Level.INFO, "cannot publish {0} to containerd at {1} ({2}): retrying for {3}",
                        envelope.getTopic(), address.get(), e(last), retryWindow);
            }
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "dropping event {0}: containerd at {1} did not take it within {2}: {3}",
                envelope.getTopic(), address.get(), retryWindow, e(last));
    }

    private static String e(Exception e) {
        return e == null ? "interrupted" : e.getMessage();
    }

    /** Sends what is queued (waiting up to {@code patience}), then stops. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    void close(Duration patience) {
        queue.add(new Pending(null, true));
        try {
            sender.join(patience);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            LOG.log(System.Logger.Level.WARNING, "{0} events not published to containerd within {1}: dropped",
                    queue.size(), patience);
            sender.interrupt();
        }
        if (client != null) {
            client.close();
        }
    }
}
