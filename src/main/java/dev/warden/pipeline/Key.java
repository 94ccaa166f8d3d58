package dev.warden.pipeline;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed slot in an {@link Exchange}. Keys are created once, as constants, by the package that
 * owns the value; the index makes a lookup one array read.
 */
public final class Key<T> {
    private static final AtomicInteger NEXT = new AtomicInteger();
    static final int MAX = 64;

    private final String name;
    private final int index;

    private Key(String name) {
        this.name = Objects.requireNonNull(name, "name");
        this.index = NEXT.getAndIncrement();
        if (index >= MAX) {
            throw new IllegalStateException("too many exchange keys: " + index + " (expected: < " + MAX + ")");
        }
    }

    public static <T> Key<T> of(String name) {
        return new Key<>(name);
    }

    int index() {
        return index;
    }

    /** How many keys exist so far: the size an exchange's slot array needs. */
    static int count() {
        return NEXT.get();
    }

    @Override
    public String toString() {
        return name;
    }
}
