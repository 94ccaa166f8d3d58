package dev.warden.config;

import java.util.List;

/** A config that failed validation, with every error found (each prefixed by its path). */
public final class ConfigException extends Exception {
    private final List<String> errors;

    public ConfigException(List<String> errors) {
        super(errors.size() + " config error(s): " + String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
