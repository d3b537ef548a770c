package io.katacontainers.errdefs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.katacontainers.ttrpc.Code;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorKindTest {
    @Test
    void everyKindTravelsAsItsCodeAndComesBackAsItself() {
        Set<Code> used = EnumSet.noneOf(Code.class);
        for (ErrorKind kind : ErrorKind.values()) {
            assertEquals(kind, ErrorKind.of(kind.code()), kind.name());
            assertEquals(true, used.add(kind.code()), kind + " shares its code");
        }
    }

    @Test
    void theErrdefsKindsHaveTheirGrpcCodes() {
        assertEquals(Code.NOT_FOUND, ErrorKind.NOT_FOUND.code());
        assertEquals(Code.ALREADY_EXISTS, ErrorKind.ALREADY_EXISTS.code());
        assertEquals(Code.FAILED_PRECONDITION, ErrorKind.FAILED_PRECONDITION.code());
        assertEquals(Code.INVALID_ARGUMENT, ErrorKind.INVALID_ARGUMENT.code());
        assertEquals(Code.UNAVAILABLE, ErrorKind.UNAVAILABLE.code());
        assertEquals(Code.DEADLINE_EXCEEDED, ErrorKind.DEADLINE_EXCEEDED.code());
        assertEquals(Code.UNIMPLEMENTED, ErrorKind.NOT_IMPLEMENTED.code());
    }

    @Test
    void codesWithoutAKindAreUnknown() {
        for (Code code : EnumSet.of(Code.OK, Code.RESOURCE_EXHAUSTED, Code.ABORTED, Code.OUT_OF_RANGE, Code.DATA_LOSS,
                Code.UNAUTHENTICATED)) {
            assertEquals(ErrorKind.UNKNOWN, ErrorKind.of(code), code.name());
        }
    }
}
