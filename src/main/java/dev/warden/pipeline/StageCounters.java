package dev.warden.pipeline;

/** Receives one count per stage decision; implemented by {@code observe}. */
public interface StageCounters {
    enum Result { CONTINUE, RESPOND, SHADOW, ERROR }

    void count(String stage, Result result, String tenant);

    StageCounters NONE = (stage, result, tenant) -> { };
}
