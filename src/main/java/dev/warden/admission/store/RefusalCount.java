package dev.warden.admission.store;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Refusals by code and mode ({@code enforced}, or {@code shadow}: what would have been refused). */
final class RefusalCount {
    private final ConcurrentHashMap<String, LongAdder> byCodeAndMode = new ConcurrentHashMap<>();

    void count(String code, boolean enforced) {
        byCodeAndMode.computeIfAbsent(code + (enforced ? "|enforced" : "|shadow"), k -> new LongAdder()).increment();
    }

    long sum(String code, String mode) {
        LongAdder n = byCodeAndMode.get(code + "|" + mode);
        return n == null ? 0 : n.sum();
    }
}
