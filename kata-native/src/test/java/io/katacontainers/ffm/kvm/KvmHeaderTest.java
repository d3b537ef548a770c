package io.katacontainers.ffm.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.katacontainers.ffm.libc.CProbe;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.SequenceLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares every hand-written layout (sizeof of each struct, offsetof and sizeof of every named member, nested
 * members included) and every KVM_* constant with what gcc computes from {@code <linux/kvm.h>}. The C program is
 * generated from the Java side, so a newly added layout or constant is checked without touching this test.
 */
class KvmHeaderTest {
    /** Classes whose public static final int/long {@code KVM_*} fields mirror C macros of the same name. */
    private static final List<Class<?>> CONSTANT_HOLDERS = List.of(
            KvmIoctls.class, KvmCap.class, KvmVm.class, IoExit.class, UserMemoryRegion.class, CpuidEntry.class);

    @TempDir
    Path dir;

    @Test
    void layoutsMatchLinuxHeaders() throws Exception {
        CProbe probe = new CProbe().include("linux/kvm.h").include("stddef.h");
        Map<String, Long> expected = new LinkedHashMap<>();
        for (GroupLayout struct : KvmLayouts.ALL) {
            String cType = "struct " + struct.name().orElseThrow();
            String key = "sizeof " + struct.name().orElseThrow();
            probe.number(key, "sizeof(" + cType + ")");
            expected.put(key, struct.byteSize());
            members(struct, struct, new ArrayList<>(), probe, expected);
        }
        assertAllEqual(expected, probe.run(dir));
    }

    @Test
    void constantsMatchLinuxHeaders() throws Exception {
        CProbe probe = new CProbe().include("linux/kvm.h");
        Map<String, Long> expected = new LinkedHashMap<>();
        for (Class<?> holder : CONSTANT_HOLDERS) {
            for (Field field : holder.getFields()) {
                int m = field.getModifiers();
                if (Modifier.isStatic(m) && Modifier.isFinal(m) && field.getName().startsWith("KVM_")
                        && (field.getType() == int.class || field.getType() == long.class)) {
                    expected.put(field.getName(), ((Number) field.get(null)).longValue());
                }
            }
        }
        for (KvmExitReason reason : KvmExitReason.values()) {
            expected.put(reason.constantName(), (long) reason.code());
        }
        expected.put("KVMIO", (long) KvmIoctls.KVMIO);
        expected.put("KVM_API_VERSION", (long) KvmSystem.STABLE_API_VERSION);
        assertTrue(expected.containsKey("KVM_CREATE_VM") && expected.containsKey("KVM_CAP_IRQCHIP"),
                "reflection found no constants: " + expected.keySet());
        expected.keySet().forEach(name -> probe.number(name, name));
        assertAllEqual(expected, probe.run(dir));
    }

    @Test
    void lookupsRoundTrip() {
        for (KvmExitReason reason : KvmExitReason.values()) {
            assertEquals(reason, KvmExitReason.of(reason.code()));
        }
        assertThrows(IllegalArgumentException.class, () -> KvmExitReason.of(KvmExitReason.values().length));
        assertEquals("KVM_RUN", KvmIoctls.name(KvmIoctls.KVM_RUN));
        assertEquals("KVM_ENABLE_CAP", KvmIoctls.name(KvmIoctls.KVM_ENABLE_CAP));
        assertEquals("0x1234", KvmIoctls.name(0x1234));
        assertEquals(KvmIoctls.KVM_SET_REGS, KvmIoctls.all().get("KVM_SET_REGS"));
    }

    /**
     * Walks named members depth-first. Anonymous C unions are part of the Java path but not of the C designator;
     * sequences are leaves (arrays); zero-length sequences are flexible array members, whose C sizeof is invalid.
     */
    private static void members(GroupLayout root, GroupLayout group, List<String> javaPath, CProbe probe,
                                Map<String, Long> expected) {
        for (MemoryLayout member : group.memberLayouts()) {
            if (member instanceof PaddingLayout) {
                continue;
            }
            String name = member.name().orElseThrow(() -> new AssertionError(
                    "unnamed non-padding member in " + root.name().orElseThrow() + " at " + javaPath));
            List<String> path = new ArrayList<>(javaPath);
            path.add(name);
            boolean anonymous = KvmLayouts.ANONYMOUS.equals(name);
            if (!anonymous) {
                String designator = String.join(".",
                        path.stream().filter(p -> !KvmLayouts.ANONYMOUS.equals(p)).toList());
                String cType = "struct " + root.name().orElseThrow();
                String key = root.name().orElseThrow() + "." + designator;
                probe.number("offsetof " + key, "offsetof(" + cType + ", " + designator + ")");
                expected.put("offsetof " + key, root.byteOffset(elements(path)));
                boolean flexible = member instanceof SequenceLayout seq && seq.elementCount() == 0;
                if (!flexible) {
                    probe.number("sizeof " + key, "sizeof(((" + cType + " *) 0)->" + designator + ")");
                    expected.put("sizeof " + key, member.byteSize());
                }
            }
            if (member instanceof GroupLayout nested) {
                members(root, nested, path, probe, expected);
            }
        }
    }

    private static PathElement[] elements(List<String> path) {
        return path.stream().map(PathElement::groupElement).toArray(PathElement[]::new);
    }

    private static void assertAllEqual(Map<String, Long> expected, Map<String, String> actualFromC) {
        List<String> mismatches = new ArrayList<>();
        expected.forEach((key, javaValue) -> {
            String c = actualFromC.get(key);
            if (c == null) {
                mismatches.add(key + ": missing from C output");
            } else if (Long.parseUnsignedLong(c) != javaValue) {
                mismatches.add(key + ": Java " + javaValue + " (0x" + Long.toHexString(javaValue) + "), C " + c
                        + " (0x" + Long.toHexString(Long.parseUnsignedLong(c)) + ")");
            }
        });
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " of " + expected.size() + " values differ from <linux/kvm.h>:\n  "
                    + String.join("\n  ", mismatches));
        }
        assertEquals(expected.size(), actualFromC.size(), "C printed a different number of values");
    }
}
