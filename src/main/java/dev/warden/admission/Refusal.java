package dev.warden.admission;

import dev.warden.problem.GatewayError;
import java.util.Objects;

/**
 * Admission said no, as a value: the error to answer and how many seconds until the client may
 * try again ({@code Retry-After}). A budget's reservation and a pool's seats answer with one when
 * they refuse; nothing is thrown.
 */
public record Refusal(GatewayError error, long retryAfterSeconds) implements BudgetBook.Reservation, SeatQueue.Turn {
    public Refusal {
        Objects.requireNonNull(error, "error");
    }
}
