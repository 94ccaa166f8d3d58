package dev.warden.store;

import dev.warden.config.ConfigException;
import dev.warden.config.SnapshotHolder;
import io.vertx.core.Vertx;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this replica's snapshot in step with the shared control store: on every change
 * notification (PostgreSQL LISTEN/NOTIFY: within milliseconds of a commit on any replica) and
 * every {@code refreshMs} (the periodic full check, on a worker thread) it reads the store's
 * version and, when it moved, reloads tenants and keys and recompiles the snapshot. A key revoked on any replica thus stops working on every replica
 * within one refresh interval. If the store is unreachable, the last state keeps serving (logged
 * once per outage), since refusing every tenant would turn a database outage into a full outage.
 */
public final class StoreSync {
    private static final Logger LOG = LoggerFactory.getLogger(StoreSync.class);

    private final Vertx vertx;
    private final ControlStore store;
    private final StoreState state;
    private final SnapshotHolder snapshots;
    private long timer = -1;
    private AutoCloseable listener;
    private volatile boolean failing;

    public StoreSync(Vertx vertx, ControlStore store, StoreState state, SnapshotHolder snapshots) {
        this.vertx = vertx;
        this.store = store;
        this.state = state;
        this.snapshots = snapshots;
    }

    /** The store state this sync keeps current. */
    public StoreState state() {
        return state;
    }

    /** Polls every {@code refreshMs} (the full refresh), and also syncs on each change notification where the store pushes them. */
    public void start(int refreshMs) {
        listener = store.listen(this::syncNow);
        timer = vertx.setPeriodic(refreshMs, id -> {
            try {
                vertx.executeBlocking(() -> {
                    syncNow();
                    return null;
                }, false);
            } catch (RejectedExecutionException shuttingDown) {
                vertx.cancelTimer(id);
            }
        });
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (listener != null) {
            try {
                listener.close();
            } catch (Exception ignored) {
                // a listener's close does not fail
            }
        }
    }

    /** One check (blocking). Returns true when a new snapshot was compiled. */
    public synchronized boolean syncNow() {
        try {
            if (store.version() == state.version()) {
                recovered();
                return false;
            }
            state.reload(store);
            snapshots.recompile();
            recovered();
            return true;
        } catch (StoreException e) {
            if (!failing) {
                failing = true;
                LOG.warn("control store unreachable, the last state keeps serving: {}", e.getMessage());
            }
            return false;
        } catch (ConfigException e) {
            LOG.error("control store state refused: {}", e.getMessage());
            return false;
        }
    }

    private void recovered() {
        if (failing) {
            failing = false;
            LOG.info("control store reachable again");
        }
    }
}
