package dev.warden.config;

/** The {@code enabled} and {@code enforced} (false = shadow mode) switches of a policy stage. */
public record StageSwitch(boolean enabled, boolean enforced) {
    public static final StageSwitch ON = new StageSwitch(true, true);
}
