package io.katacontainers.runtime.oci;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SignalsTest {
    @ParameterizedTest
    @CsvSource({"TERM,15", "SIGTERM,15", "sigkill,9", "KILL,9", "9,9", "15,15", "HUP,1", "USR1,10", "SIGUSR2,12",
            "INT,2", "CONT,18", "STOP,19", "WINCH,28", "64,64", "1,1"})
    void parsesNamesAndNumbers(String text, int number) {
        assertEquals(number, Signals.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "65", "99999999999", "SIGFOO", "", "-9", "TERM9"})
    void rejectsTheRest(String text) {
        assertThrows(IllegalArgumentException.class, () -> Signals.parse(text));
    }
}
