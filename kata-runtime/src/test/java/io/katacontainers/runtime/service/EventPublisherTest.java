package io.katacontainers.runtime.service;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.katacontainers.containerd.events.Envelope;
import io.katacontainers.containerd.events.ForwardRequest;
import io.katacontainers.containerd.events.TaskExit;
import io.katacontainers.containerd.events.TaskStart;
import io.katacontainers.ttrpc.ServiceDefinition;
import io.katacontainers.ttrpc.TtrpcServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events reach a ttrpc events service (this test's, speaking containerd's API) in publishing order. */
class EventPublisherTest {
    @TempDir
    Path dir;

    private record Received(Envelope envelope, List<String> namespaceHeader) {
    }

    @Test
    void eventsArriveInOrderWithTopicNamespaceAndTypeUrl() throws Exception {
        List<Received> received = Collections.synchronizedList(new ArrayList<>());
        TtrpcServer containerd = TtrpcServer.of(ServiceDefinition.builder(EventPublisher.SERVICE)
                .method("Forward", ForwardRequest.parser(), (request, context) -> {
                    received.add(new Received(request.getEnvelope(),
                            context.metadata().all(EventPublisher.NAMESPACE_HEADER)));
                    return Empty.getDefaultInstance();
                }).build());
        Path socket = dir.resolve("containerd.sock.ttrpc");
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                containerd.listen(listener);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        List<Message> published = new ArrayList<>();
        try (EventPublisher events = new EventPublisher(Optional.of(socket), "test-ns")) {
            for (int i = 0; i < 100; i++) {
                Message event = i % 2 == 0
                        ? TaskStart.newBuilder().setContainerId("c" + i).setPid(i).build()
                        : TaskExit.newBuilder().setContainerId("c" + i).setExitStatus(i).build();
                published.add(event);
                events.publish(event);
            }
        } finally {
            containerd.close();
        }
        assertEquals(published.size(), received.size());
        for (int i = 0; i < published.size(); i++) {
            Envelope envelope = received.get(i).envelope();
            Message expected = published.get(i);
            assertEquals(i % 2 == 0 ? "/tasks/start" : "/tasks/exit", envelope.getTopic());
            assertEquals("test-ns", envelope.getNamespace());
            assertEquals(List.of("test-ns"), received.get(i).namespaceHeader());
            assertEquals(expected.getDescriptorForType().getFullName(), envelope.getEvent().getTypeUrl());
            assertEquals(expected.toByteString(), envelope.getEvent().getValue(), "event " + i + " in order");
        }
    }

    /** containerd's events service on {@code socket}, recording what it receives; close it to stop. */
    private static TtrpcServer serve(Path socket, List<Envelope> received) throws java.io.IOException {
        TtrpcServer containerd = TtrpcServer.of(ServiceDefinition.builder(EventPublisher.SERVICE)
                .method("Forward", ForwardRequest.parser(), (request, context) -> {
                    received.add(request.getEnvelope());
                    return Empty.getDefaultInstance();
                }).build());
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                containerd.listen(listener);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return containerd;
    }

    private static TaskExit exit(int i) {
        return TaskExit.newBuilder().setContainerId("c" + i).setExitStatus(i).build();
    }

    /** Events published while containerd is down (restarting) reach it, in order, once it is back. */
    @Test
    void eventsPublishedWhileContainerdIsDownArriveInOrderWhenItComesBack() throws Exception {
        Path socket = dir.resolve("containerd.sock.ttrpc");
        List<Envelope> received = Collections.synchronizedList(new ArrayList<>());
        TtrpcServer first = serve(socket, received);
        TtrpcServer second = null;
        try (EventPublisher events = new EventPublisher(Optional.of(socket), "test-ns", Duration.ofSeconds(60),
                Duration.ofMillis(20))) {
            events.publish(exit(0));
            awaitCount(received, 1);
            first.close(); // containerd stops: its socket goes with it
            java.nio.file.Files.deleteIfExists(socket);
            for (int i = 1; i <= 5; i++) {
                events.publish(exit(i));
            }
            second = serve(socket, received); // the restarted containerd
            // The sender goes in order, so once c5 arrived every event before it did (one of them maybe twice).
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.stream().noneMatch(envelope -> envelope.getEvent().getValue()
                    .equals(exit(5).toByteString()))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("containerd got " + received.size() + " events, the last not c5");
                }
                Thread.sleep(10);
            }
        } finally {
            if (second != null) {
                second.close();
            }
        }
        // At least once, in order: an event the old containerd took as its connection closed, before its answer
        // came back, is sent again to the new one (as containerd's own shim publisher does); no event is skipped
        // and none comes after a later one.
        List<String> ids = received.stream().map(envelope -> {
            try {
                return TaskExit.parseFrom(envelope.getEvent().getValue()).getContainerId();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).toList();
        List<String> inOrder = new ArrayList<>();
        for (String id : ids) {
            if (inOrder.isEmpty() || !inOrder.getLast().equals(id)) {
                inOrder.add(id);
            }
        }
        assertEquals(List.of("c0", "c1", "c2", "c3", "c4", "c5"), inOrder, "every event, in publishing order: " + ids);
    }

    /** An event containerd keeps refusing is retried, then dropped after its window; the next ones still go out. */
    @Test
    void anEventIsRetriedThenDroppedAfterTheRetryWindow() throws Exception {
        Path socket = dir.resolve("refusing.sock.ttrpc");
        List<Envelope> received = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        TtrpcServer containerd = TtrpcServer.of(ServiceDefinition.builder(EventPublisher.SERVICE)
                .method("Forward", ForwardRequest.parser(), (request, context) -> {
                    if (TaskExit.parseFrom(request.getEnvelope().getEvent().getValue()).getContainerId()
                            .equals("c1")) {
                        refusals.incrementAndGet();
                        throw new io.katacontainers.ttrpc.StatusException(io.katacontainers.ttrpc.Code.UNAVAILABLE,
                                "not now");
                    }
                    received.add(request.getEnvelope());
                    return Empty.getDefaultInstance();
                }).build());
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try {
                containerd.listen(listener);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        });
        long start = System.nanoTime();
        try (EventPublisher events = new EventPublisher(Optional.of(socket), "test-ns", Duration.ofMillis(500),
                Duration.ofMillis(50))) {
            events.publish(exit(1));
            events.publish(exit(2));
            awaitCount(received, 1);
        } finally {
            containerd.close();
        }
        long elapsed = System.nanoTime() - start;
        assertEquals(List.of("c2"), received.stream().map(envelope -> {
            try {
                return TaskExit.parseFrom(envelope.getEvent().getValue()).getContainerId();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }).toList());
        assertTrue(refusals.get() >= 3, "retried, with growing pauses: " + refusals.get() + " attempts");
        assertTrue(elapsed >= Duration.ofMillis(300).toNanos(), "not dropped before its window: " + elapsed);
    }

    private static void awaitCount(List<Envelope> received, int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (received.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("containerd got " + received.size() + " events, not " + count);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void onlyTaskEventsHaveTopics() {
        assertEquals("/tasks/exec-started", EventPublisher.topic(
                io.katacontainers.containerd.events.TaskExecStarted.getDefaultInstance()));
        assertThrows(IllegalArgumentException.class, () -> EventPublisher.topic(Empty.getDefaultInstance()));
    }
}
