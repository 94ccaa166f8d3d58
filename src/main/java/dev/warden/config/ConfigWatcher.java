package dev.warden.config;

import io.vertx.core.Vertx;
import java.util.concurrent.RejectedExecutionException;

/**
 * Polls the config file for changes (content hash, on a worker thread). Polling rather than a
 * file-system watch: editors and config-management tools replace files by rename, which watches
 * miss or double-report.
 */
public final class ConfigWatcher {
    private final Vertx vertx;
    private final SnapshotHolder holder;
    private long timerId = -1;

    public ConfigWatcher(Vertx vertx, SnapshotHolder holder) {
        this.vertx = vertx;
        this.holder = holder;
    }

    public void start(int intervalMs) {
        if (intervalMs <= 0) {
            return;
        }
        timerId = vertx.setPeriodic(intervalMs, id -> {
            try {
                vertx.executeBlocking(holder::reloadFile, false);
            } catch (RejectedExecutionException shuttingDown) {
                vertx.cancelTimer(id); // Vert.x is closing: its worker pool is gone
            }
        });
    }

    public void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }
}
