package dev.warden.admission;

import dev.warden.pipeline.GatewayError;

/** Admission refused a request, asynchronously: the error to answer and when to retry (seconds). */
final class AdmissionRefusal extends RuntimeException {
    private final GatewayError error;
    private final long retryAfterSeconds;

    AdmissionRefusal(GatewayError error, long retryAfterSeconds) {
        super(error.reason(), null, false, false);
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    GatewayError error() {
        return error;
    }

    long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
