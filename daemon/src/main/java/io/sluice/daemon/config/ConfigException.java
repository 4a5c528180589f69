package io.sluice.daemon.config;

import java.util.List;

/** A config that must not be used. Carries every problem found, each naming file, line, key, value and rule. */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
