package dev.warden.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One {@link TestGateway} (real listeners on port 0, two sims, a fresh SQLite control store, so
 * that every refusal's audit event can be checked) shared by the tests of a class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GatewayTestBase {
    protected TestGateway gw;

    @BeforeAll
    void startGateway() throws Exception {
        gw = new TestGateway(yaml -> yaml, Databases.fresh(Databases.Kind.SQLITE));
    }

    @AfterAll
    void stopGateway() throws Exception {
        gw.close();
    }
}
