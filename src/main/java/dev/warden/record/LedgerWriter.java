package dev.warden.record;

import java.util.List;

/** The usage ledger's writer (queue, retry and fail-closed behaviour: {@link BatchWriter}; metrics {@code warden_usage_*}). */
public final class LedgerWriter extends BatchWriter<UsageRecord> {
    private final Ledger ledger;

    public LedgerWriter(Ledger ledger, int capacity, int reserve) {
        super("usage", capacity, reserve);
        this.ledger = ledger;
    }

    @Override
    protected void append(List<UsageRecord> batch) {
        ledger.append(batch);
    }
}
