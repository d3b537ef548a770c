package io.katacontainers.agent.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.katacontainers.errdefs.ErrdefsException;
import org.junit.jupiter.api.Test;

class IdsTest {
    @Test
    void idsFollowKatasRule() {
        assertEquals("a1b2-c_d.e", Ids.checkContainer("a1b2-c_d.e"));
        assertEquals("1", Ids.checkExec("1"));
        for (String bad : new String[] {"", "a", "-ab", "../x", "a/b", "a b", "é1"}) {
            assertThrows(ErrdefsException.class, () -> Ids.checkContainer(bad), bad);
        }
        assertThrows(ErrdefsException.class, () -> Ids.checkExec(""));
    }
}
