package dev.warden.proxy;

import io.vertx.core.Vertx;

/**
 * Timeouts of the exchanges of one event loop, checked by one periodic tick instead of a timer
 * per request: arming and disarming a deadline is a linked-list insert and remove, with no
 * allocation of scheduler tasks on the hot path. A deadline fires within one tick of its time.
 * Confined to its event loop (created by, and only used from, one data-plane verticle).
 */
public final class Deadlines {
    static final long TICK_MS = 50;

    /** One armed deadline; re-armed by moving its time, disarmed by {@link #cancel()}. */
    final class Deadline {
        private long atNanos;
        private Runnable onExpire;
        private Deadline prev;
        private Deadline next;
        private boolean armed;

        void arm(long inMs, Runnable action) {
            atNanos = System.nanoTime() + inMs * 1_000_000L;
            onExpire = action;
            if (!armed) {
                armed = true;
                next = head;
                prev = null;
                if (head != null) {
                    head.prev = this;
                }
                head = this;
            }
        }

        /** Moves the deadline without changing the action (cheap: no list change). */
        void extend(long inMs) {
            atNanos = System.nanoTime() + inMs * 1_000_000L;
        }

        void cancel() {
            if (!armed) {
                return;
            }
            armed = false;
            if (prev != null) {
                prev.next = next;
            } else {
                head = next;
            }
            if (next != null) {
                next.prev = prev;
            }
            prev = null;
            next = null;
        }
    }

    private Deadline head;

    /** Starts the tick on the calling context (a data-plane verticle's event loop). */
    public Deadlines(Vertx vertx) {
        vertx.setPeriodic(TICK_MS, id -> tick());
    }

    Deadline create() {
        return new Deadline();
    }

    private void tick() {
        long now = System.nanoTime();
        Deadline d = head;
        while (d != null) {
            Deadline following = d.next;
            if (now - d.atNanos >= 0) {
                Runnable action = d.onExpire;
                d.cancel();
                action.run();
            }
            d = following;
        }
    }
}
