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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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

    @Test
    void onlyTaskEventsHaveTopics() {
        assertEquals("/tasks/exec-started", EventPublisher.topic(
                io.katacontainers.containerd.events.TaskExecStarted.getDefaultInstance()));
        assertThrows(IllegalArgumentException.class, () -> EventPublisher.topic(Empty.getDefaultInstance()));
    }
}
