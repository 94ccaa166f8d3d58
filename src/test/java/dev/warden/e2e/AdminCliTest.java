package dev.warden.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.warden.Warden;
import dev.warden.testing.Databases;
import dev.warden.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The CLI wrappers of the admin API, against a running gateway. */
class AdminCliTest {

    private record Run(int exit, String out) {
    }

    private static Run run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            int exit = new CommandLine(new Warden()).execute(args);
            return new Run(exit, buf.toString());
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void tenantsKeysAndUsageThroughTheCli() throws Exception {
        String url = Databases.fresh(Databases.Kind.SQLITE);
        try (TestGateway gw = new TestGateway(yaml -> yaml, url)) {
            String admin = "http://127.0.0.1:" + gw.gateway.adminPort();
            String[] auth = {"--admin", admin, "--token", gw.adminToken};
            Run created = run(concat(new String[] {"tenants", "create", "delta", "--tier", "basic", "--region", "eu",
                    "--model", "gpt-sim"}, auth));
            assertThat(created.exit()).isZero();
            assertThat(gw.store.tenants().find("delta")).isPresent();
            Run issued = run(concat(new String[] {"keys", "issue", "delta"}, auth));
            assertThat(issued.exit()).isZero();
            assertThat(issued.out()).contains("\"key\":\"wdn_");
            Run listed = run(concat(new String[] {"keys", "list", "delta"}, auth));
            assertThat(listed.out()).contains("\"revoked\":false").doesNotContain("wdn_");
            assertThat(run(concat(new String[] {"usage", "delta", "--format", "csv"}, auth)).out())
                    .startsWith("group,requests,input_tokens,output_tokens,compute_units,gpu_ms,cost_micros");
            assertThat(run(concat(new String[] {"tenants", "show", "nobody"}, auth)).exit()).isEqualTo(1);
            assertThat(run("tenants", "list", "--admin", admin, "--token", "wrong").exit()).isEqualTo(1);

            Run op = run(concat(new String[] {"operators", "issue", "compliance team", "--role", "platform-auditor"}, auth));
            assertThat(op.exit()).isZero();
            String opKey = op.out().replaceAll("(?s).*\"key\":\"([^\"]+)\".*", "$1").strip();
            String opId = op.out().replaceAll("(?s).*\"keyId\":\"([^\"]+)\".*", "$1").strip();
            assertThat(run(concat(new String[] {"operators", "list"}, auth)).out()).contains("compliance team").doesNotContain(opKey);
            // the auditor's key reads the audit log and nothing else
            assertThat(run("tenants", "list", "--admin", admin, "--token", opKey).exit()).isEqualTo(1);
            assertThat(run(concat(new String[] {"operators", "revoke", opId}, auth)).exit()).isZero();
            assertThat(run(concat(new String[] {"operators", "issue", "x", "--role", "root"}, auth)).exit()).isEqualTo(1);
        } finally {
            Databases.drop(url);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
