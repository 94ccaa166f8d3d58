package dev.warden.usage;

import dev.warden.store.BatchWriter;
import dev.warden.store.ControlStore;
import java.util.List;

/** The usage ledger's writer (queue, retry and fail-closed behaviour: {@link BatchWriter}; metrics {@code warden_usage_*}). */
public final class LedgerWriter extends BatchWriter<UsageRecord> {
    private final ControlStore store;

    public LedgerWriter(ControlStore store, int capacity, int reserve) {
        super("usage", capacity, reserve);
        this.store = store;
    }

    @Override
    protected void append(List<UsageRecord> batch) {
        store.appendUsage(batch);
    }
}
