package dev.warden.pipeline;

import java.util.Objects;

/**
 * A stage in the list with its switches. {@code enforced == false} is shadow mode: the stage's
 * refusals are counted but the exchange goes on. Only policy stages may be shadowed; identity
 * stages are always enforced (the wiring in {@code app} decides which).
 */
public record StageSlot(Stage stage, boolean enabled, boolean enforced) {
    public StageSlot {
        Objects.requireNonNull(stage, "stage");
    }

    public static StageSlot always(Stage stage) {
        return new StageSlot(stage, true, true);
    }
}
