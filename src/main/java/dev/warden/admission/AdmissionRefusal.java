package dev.warden.admission;

import dev.warden.pipeline.GatewayError;

/** Admission refused a request, asynchronously: the error to answer and when to retry (seconds). */
public final class AdmissionRefusal extends RuntimeException {
    private final GatewayError error;
    private final long retryAfterSeconds;

    public AdmissionRefusal(GatewayError error, long retryAfterSeconds) {
        super(error.reason(), null, false, false);
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public GatewayError error() {
        return error;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
