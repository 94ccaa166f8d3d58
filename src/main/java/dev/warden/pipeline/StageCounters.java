package dev.warden.pipeline;

/** Receives one count per stage decision; implemented by {@code observe}. */
public interface StageCounters {
    enum Result { CONTINUE, RESPOND, SHADOW, ERROR }

    /** The counters of one tenant over one stage list, by stage position. */
    interface Tally {
        void count(int stage, Result result);
    }

    /** A tally for {@code tenant} over {@code stages}; callers keep it (it is looked up once). */
    Tally tally(String tenant, String[] stages);

    StageCounters NONE = (tenant, stages) -> (stage, result) -> { };
}
