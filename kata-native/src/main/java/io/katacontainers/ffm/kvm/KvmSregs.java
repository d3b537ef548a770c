package io.katacontainers.ffm.kvm;

import static io.katacontainers.ffm.kvm.KvmLayouts.KVM_SREGS;
import static io.katacontainers.ffm.kvm.KvmLayouts.handle;
import static io.katacontainers.ffm.kvm.KvmLayouts.offset;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Special registers ({@code struct kvm_sregs}). {@code interruptBitmap} holds the 4 u64 words of pending external
 * interrupts (256 bits); it is read-only state for most VMMs, so keep what {@code KVM_GET_SREGS} returned.
 */
public record KvmSregs(KvmSegment cs, KvmSegment ds, KvmSegment es, KvmSegment fs, KvmSegment gs, KvmSegment ss,
                       KvmSegment tr, KvmSegment ldt, KvmDtable gdt, KvmDtable idt,
                       long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase,
                       List<Long> interruptBitmap) {

    private static final int BITMAP_WORDS = 4;
    private static final long CS = offset(KVM_SREGS, "cs");
    private static final long DS = offset(KVM_SREGS, "ds");
    private static final long ES = offset(KVM_SREGS, "es");
    private static final long FS = offset(KVM_SREGS, "fs");
    private static final long GS = offset(KVM_SREGS, "gs");
    private static final long SS = offset(KVM_SREGS, "ss");
    private static final long TR = offset(KVM_SREGS, "tr");
    private static final long LDT = offset(KVM_SREGS, "ldt");
    private static final long GDT = offset(KVM_SREGS, "gdt");
    private static final long IDT = offset(KVM_SREGS, "idt");
    private static final long BITMAP = offset(KVM_SREGS, "interrupt_bitmap");
    private static final VarHandle CR0 = handle(KVM_SREGS, "cr0");
    private static final VarHandle CR2 = handle(KVM_SREGS, "cr2");
    private static final VarHandle CR3 = handle(KVM_SREGS, "cr3");
    private static final VarHandle CR4 = handle(KVM_SREGS, "cr4");
    private static final VarHandle CR8 = handle(KVM_SREGS, "cr8");
    private static final VarHandle EFER = handle(KVM_SREGS, "efer");
    private static final VarHandle APIC_BASE = handle(KVM_SREGS, "apic_base");

    public KvmSregs {
        if (interruptBitmap.size() != BITMAP_WORDS) {
            throw new IllegalArgumentException("interrupt_bitmap needs " + BITMAP_WORDS + " words");
        }
        interruptBitmap = List.copyOf(interruptBitmap);
    }

    public static KvmSregs read(MemorySegment m, long offset) {
        List<Long> bitmap = new ArrayList<>(BITMAP_WORDS);
        for (int i = 0; i < BITMAP_WORDS; i++) {
            bitmap.add(m.get(ValueLayout.JAVA_LONG, offset + BITMAP + (long) i * Long.BYTES));
        }
        return new KvmSregs(KvmSegment.read(m, offset + CS), KvmSegment.read(m, offset + DS),
                KvmSegment.read(m, offset + ES), KvmSegment.read(m, offset + FS), KvmSegment.read(m, offset + GS),
                KvmSegment.read(m, offset + SS), KvmSegment.read(m, offset + TR), KvmSegment.read(m, offset + LDT),
                KvmDtable.read(m, offset + GDT), KvmDtable.read(m, offset + IDT),
                (long) CR0.get(m, offset), (long) CR2.get(m, offset), (long) CR3.get(m, offset),
                (long) CR4.get(m, offset), (long) CR8.get(m, offset), (long) EFER.get(m, offset),
                (long) APIC_BASE.get(m, offset), bitmap);
    }

    public void write(MemorySegment m, long offset) {
        cs.write(m, offset + CS);
        ds.write(m, offset + DS);
        es.write(m, offset + ES);
        fs.write(m, offset + FS);
        gs.write(m, offset + GS);
        ss.write(m, offset + SS);
        tr.write(m, offset + TR);
        ldt.write(m, offset + LDT);
        gdt.write(m, offset + GDT);
        idt.write(m, offset + IDT);
        CR0.set(m, offset, cr0);
        CR2.set(m, offset, cr2);
        CR3.set(m, offset, cr3);
        CR4.set(m, offset, cr4);
        CR8.set(m, offset, cr8);
        EFER.set(m, offset, efer);
        APIC_BASE.set(m, offset, apicBase);
        for (int i = 0; i < BITMAP_WORDS; i++) {
            m.set(ValueLayout.JAVA_LONG, offset + BITMAP + (long) i * Long.BYTES, interruptBitmap.get(i));
        }
    }

    public KvmSregs withCs(KvmSegment value) {
        return new KvmSregs(value, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase,
                interruptBitmap);
    }

    /** Sets ds, es, fs, gs and ss at once, as every boot protocol loads them with the same descriptor. */
    public KvmSregs withDataSegments(KvmSegment value) {
        return new KvmSregs(cs, value, value, value, value, value, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer,
                apicBase, interruptBitmap);
    }

    public KvmSregs withTr(KvmSegment value) {
        return new KvmSregs(cs, ds, es, fs, gs, ss, value, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase,
                interruptBitmap);
    }

    public KvmSregs withLdt(KvmSegment value) {
        return new KvmSregs(cs, ds, es, fs, gs, ss, tr, value, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase,
                interruptBitmap);
    }

    public KvmSregs withGdt(KvmDtable value) {
        return new KvmSregs(cs, ds, es, fs, gs, ss, tr, ldt, value, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase,
                interruptBitmap);
    }

    public KvmSregs withIdt(KvmDtable value) {
        return new KvmSregs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, value, cr0, cr2, cr3, cr4, cr8, efer, apicBase,
                interruptBitmap);
    }

    /** Sets the paging/mode control registers together, as entering protected or long mode always does. */
    public KvmSregs withControl(long newCr0, long newCr3, long newCr4, long newEfer) {
        return new KvmSregs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, newCr0, cr2, newCr3, newCr4, cr8, newEfer,
                apicBase, interruptBitmap);
    }
}
