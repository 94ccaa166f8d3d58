package dev.warden.pipeline;

/** Receives one count per stage decision; implemented by {@code observe}. */
public interface StageCounters {
    enum Result { CONTINUE, RESPOND, SHADOW, ERROR }

    /** The counters over one stage list, by stage position (no tenant: bounded by stages x results). */
    interface Tally {
        void count(int stage, Result result);
    }

    /** A tally over {@code stages}; callers keep it (it is looked up once). */
    Tally tally(String[] stages);

    StageCounters NONE = stages -> (stage, result) -> { };
}
