package dev.warden.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/warden.yaml} says it shows every field: every field docs/configuration.md's
 * tables document appears in it (as a key, or in a commented-out line where a real value needs
 * files the example cannot ship, such as a TLS key), so the two stay in step.
 */
class ExampleConfigCompletenessTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)`(?: / `([^`]+)`)? \\|");

    /** The documented names: each table row's first column (one or two names), in the section it belongs to. */
    static List<String> documented(List<String> doc) {
        List<String> names = new ArrayList<>();
        for (String line : doc) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                names.add(m.group(1));
                if (m.group(2) != null) {
                    names.add(m.group(2));
                }
            }
        }
        return names;
    }

    /** The key a name ends in: {@code limits.maxConnections} -> maxConnections, {@code keys[].hash} -> hash. */
    static String key(String name) {
        String[] parts = name.replace("[]", "").split("\\.");
        for (int i = parts.length - 1; i >= 0; i--) {
            if (!parts[i].isEmpty() && !parts[i].startsWith("<")) {
                return parts[i];
            }
        }
        return name;
    }

    @Test
    void everyDocumentedFieldAppearsInTheExample() throws Exception {
        List<String> doc = Files.readAllLines(Path.of("docs/configuration.md"));
        String example = Files.readString(Path.of("examples/warden.yaml"));
        List<String> names = documented(doc);
        assertThat(names).as("the doc's tables were read").hasSizeGreaterThan(60);
        Set<String> missing = new LinkedHashSet<>();
        for (String name : names) {
            String k = key(name);
            if (!Pattern.compile("(^|[\\s{,#])" + Pattern.quote(k) + ":", Pattern.MULTILINE).matcher(example).find()) {
                missing.add(name);
            }
        }
        assertThat(missing).as("documented in docs/configuration.md, absent from examples/warden.yaml").isEmpty();
    }
}
