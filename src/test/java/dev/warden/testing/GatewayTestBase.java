package dev.warden.testing;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** One {@link TestGateway} (real listeners on port 0, two sims) shared by the tests of a class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class GatewayTestBase {
    protected TestGateway gw;

    @BeforeAll
    void startGateway() throws Exception {
        gw = new TestGateway();
    }

    @AfterAll
    void stopGateway() throws Exception {
        gw.close();
    }
}
