package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.Warden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command and subcommand answers -h/--help (and `help <command>`) with its usage, each option described. */
class CliHelpTest {
    private static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertThat(new CommandLine(new Warden()).execute(args)).as(String.join(" ", args)).isZero();
            return buf.toString();
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void everyCommandAnswersHelp() {
        for (List<String> args : List.of(List.of("help"), List.of("--help"), List.of("help", "serve"), List.of("serve", "-h"),
                List.of("sim", "-h"), List.of("demo", "--help"), List.of("tenants", "--help"), List.of("tenants", "create", "-h"),
                List.of("keys", "new", "--help"), List.of("usage", "-h"), List.of("secrets", "rotate", "-h"), List.of("audit", "verify", "-h"))) {
            String out = run(args.toArray(String[]::new));
            assertThat(out).as(String.join(" ", args)).contains("Usage:").contains("-h, --help");
        }
        assertThat(run("sim", "--help")).contains("--port=<port>").contains("port to listen on");
    }

    @Test
    void everyOptionHasADescription() {
        CommandLine cli = new CommandLine(new Warden());
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(cli));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            c.getCommandSpec().options().forEach(o -> assertThat(String.join(" ", o.description())).as(c.getCommandName() + " " + o.longestName())
                    .isNotBlank());
            c.getCommandSpec().positionalParameters().forEach(p -> assertThat(String.join(" ", p.description()))
                    .as(c.getCommandName() + " " + p.paramLabel()).isNotBlank());
        }
    }
}
