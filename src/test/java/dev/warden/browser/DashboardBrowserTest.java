package dev.warden.browser;

import static dev.warden.testing.Http.bearer;
import static dev.warden.testing.Http.chat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.record.UsageRecord;
import dev.warden.testing.Databases;
import dev.warden.testing.Http;
import dev.warden.testing.TestGateway;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium and chromedriver): sign in, read a
 * tenant's spend chart with its budget, issue a key and revoke it (and see both take effect on the
 * data plane), read the audit log; an auditor sees the audit tab only. Screenshots are saved under
 * {@code target/dashboard/} for people to look at. Without Chromium the test is skipped with a
 * message, unless {@code WARDEN_REQUIRE_SERVICES=1} ({@code .ci/run} installs it), where it fails.
 */
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "dashboard");

    private TestGateway gw;
    private WebDriver driver;
    private WebDriverWait wait;
    private Path profile;

    @BeforeEach
    void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "1".equals(System.getenv("WARDEN_REQUIRE_SERVICES"))) {
            throw new AssertionError("Chromium and chromedriver are required here (apt-get install chromium chromium-driver)");
        }
        Assumptions.assumeTrue(present, "Chromium/chromedriver not installed (apt-get install chromium chromium-driver): "
                + "the dashboard browser test is skipped");
        gw = new TestGateway(yaml -> yaml.replace("gold: { description: \"top\", maxOutputTokens: 0 }",
                "gold: { description: \"top\", maxOutputTokens: 0, jobs: { gpuHoursPerMonth: 10 } }"), Databases.fresh(Databases.Kind.SQLITE));
        profile = Files.createTempDirectory("warden-chromium");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1440,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // tables are re-rendered whole
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void stop() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (gw != null) {
            gw.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private void shot(String name) throws Exception {
        byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SHOTS.resolve(name + ".png"), png);
    }

    private void signIn(String credential) {
        driver.get(gw.adminUrl("/"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential"))).sendKeys(credential);
        driver.findElement(By.id("sign-in")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("app")));
    }

    private void tab(String name) {
        driver.findElement(By.cssSelector("button[data-tab='" + name + "']")).click();
    }

    @Test
    void anOperatorReadsSpendIssuesAndRevokesAKeyAndReadsTheAudit() throws Exception {
        String admin = bearer(gw.adminToken);
        for (int i = 0; i < 4; i++) {
            Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "tell me about the sea"), "Authorization", bearer(gw.key("acme")));
        }
        Http.post(gw.dataUrl("/v1/chat/completions"), chat("gpt-sim", "hi"), "Authorization", bearer(gw.key("globex") + "x"));
        assertThat(gw.ledger.flush(5000)).isTrue();
        // a training job ran 4 GPU-hours this month (its ledger row), against the tier's 10 a month
        gw.store.ledger().append(List.of(new UsageRecord("job_x", System.currentTimeMillis() - 60_000, "acme", "u", "u", "gpt-sim", "eu",
                "job_training", 0, 0, 0, 4 * 3_600_000L, 0, 200, 0, false, false)));
        // A month budget the spend so far has passed 80 % of (it is 90 % of it): a soft alert.
        long spent = new ObjectMapper().readTree(Http.get(gw.adminUrl("/admin/v1/tenants/acme/usage"),
                "Authorization", admin).body()).path("total").path("costMicros").asLong();
        assertThat(spent).isPositive();
        assertThat(Http.call("PUT", gw.adminUrl("/admin/v1/tenants/acme/settings/budgets"),
                "{\"budgets\":[{\"period\":\"month\",\"limitMicros\":" + (spent * 10 / 9 + 1) + "}]}", "Authorization", admin)
                .statusCode()).isEqualTo(200);
        gw.controlPlane.evaluateAlerts().await(5, TimeUnit.SECONDS);

        signIn(gw.adminToken);
        assertThat(driver.findElement(By.id("who")).getText()).contains("platform-admin");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#tenants tr[data-tenant='acme']")));
        List<WebElement> rows = driver.findElements(By.cssSelector("#tenants tbody tr"));
        assertThat(rows).extracting(r -> r.getAttribute("data-tenant")).contains("acme", "globex", "initech", "frozen");
        shot("overview");

        // Spend: the chart has the spent line, the budget line and the forecast.
        tab("spend");
        assertThat(new Select(driver.findElement(By.id("spend-tenant"))).getFirstSelectedOption().getAttribute("value"))
                .as("the spend tab opens on the tenant with an alert").isEqualTo("acme");
        new Select(driver.findElement(By.id("spend-tenant"))).selectByValue("acme");
        wait.until(d -> d.findElements(By.cssSelector("#spend-chart polyline.spent")).size() == 1);
        List<String> yLabels = driver.findElements(By.cssSelector("#spend-chart text")).stream().map(WebElement::getText)
                .filter(t -> !t.startsWith("day ")).toList();
        assertThat(yLabels).as("small amounts are scaled, not all 0.00").hasSize(5).doesNotHaveDuplicates();
        String line = driver.findElement(By.cssSelector("#spend-chart polyline.spent")).getAttribute("points");
        assertThat(line.split(" ")).hasSizeGreaterThanOrEqualTo(2);
        assertThat(driver.findElements(By.cssSelector("#spend-chart line.budget"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#spend-chart polyline.forecast"))).hasSize(1);
        assertThat(driver.findElement(By.id("spend-summary")).getText()).contains("Budget", "Remaining", "Runs out");
        // Jobs' GPU-hours: run so far, the quota and its forecast
        wait.until(d -> d.findElements(By.cssSelector("#gpu-chart polyline.spent")).size() == 1);
        assertThat(driver.findElement(By.id("gpu-summary")).getText()).contains("GPU-hours this month", "4.00 h", "of 10.00 h", "Runs out");
        assertThat(driver.findElements(By.cssSelector("#gpu-chart line.budget"))).hasSize(1);
        assertThat(driver.findElements(By.cssSelector("#gpu-chart polyline.forecast"))).hasSize(1);
        shot("spend");

        // Alerts: the soft threshold is passed.
        tab("alerts");
        wait.until(d -> d.findElement(By.id("alerts-active")).getText().contains("budget_soft"));
        assertThat(driver.findElement(By.id("alerts-active")).getText()).contains("acme");

        // Keys: issue one, use it, revoke it, see it refused.
        tab("keys");
        new Select(driver.findElement(By.id("keys-tenant"))).selectByValue("acme");
        new Select(driver.findElement(By.id("issue-role"))).selectByVisibleText("developer");
        driver.findElement(By.id("issue-key")).click();
        WebElement issued = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("issued-key")));
        String key = issued.getText();
        assertThat(key).startsWith("wdn_");
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(key)).statusCode()).isEqualTo(200);
        String keyId = key.split("_")[1];
        By row = By.cssSelector("#keys tr[data-key='" + keyId + "']");
        wait.until(ExpectedConditions.presenceOfElementLocated(row));
        shot("keys-issued");
        driver.findElement(row).findElement(By.cssSelector("button.revoke")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElement(row).getText().contains("revoked"));
        assertThat(Http.post(gw.dataUrl("/v1/chat/completions"), chat("echo", "hi"), "Authorization", bearer(key)).statusCode()).isEqualTo(401);

        // Audit: the issue and the revoke are there, and the chain verifies.
        tab("audit");
        wait.until(d -> d.findElement(By.id("audit-verify")).getText().contains("Chain intact"));
        wait.until(d -> d.findElement(By.id("audit")).getText().contains("admin.key.revoke"));
        driver.findElement(By.cssSelector("#audit-filters input[name='action']")).sendKeys("admin.key.issue");
        driver.findElement(By.cssSelector("#audit-filters button")).click();
        wait.until(d -> !d.findElement(By.id("audit")).getText().contains("admin.key.revoke"));
        assertThat(driver.findElement(By.id("audit")).getText()).contains("admin.key.issue");
        shot("audit");
    }

    @Test
    void anAuditorSeesTheAuditTabOnlyAndABadCredentialIsRefused() throws Exception {
        driver.get(gw.adminUrl("/"));
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential"))).sendKeys("wdn_nope_nope");
        driver.findElement(By.id("sign-in")).click();
        wait.until(d -> d.findElement(By.id("login-error")).getText().contains("refused"));

        String issued = Http.call("POST", gw.adminUrl("/admin/v1/operators"), "{\"name\":\"auditor\",\"role\":\"platform-auditor\"}",
                "Authorization", bearer(gw.adminToken)).body();
        String key = new ObjectMapper().readTree(issued).path("key").asText();
        signIn(key);
        wait.until(d -> d.findElement(By.id("audit-verify")).getText().contains("Chain intact"));
        assertThat(driver.findElements(By.cssSelector("nav .tab")).stream().filter(WebElement::isDisplayed)
                .map(WebElement::getText)).containsExactly("Audit");
        shot("auditor");
    }

    @Test
    void aTenantAdminManagesItsOwnKeysAndSeesNoOtherTenant() throws Exception {
        String issued = Http.call("POST", gw.adminUrl("/admin/v1/tenants/acme/keys"), "{\"role\":\"tenant-admin\"}",
                "Authorization", bearer(gw.adminToken)).body();
        String adminKey = new ObjectMapper().readTree(issued).path("key").asText();
        signIn(adminKey);
        assertThat(driver.findElement(By.id("who")).getText()).contains("tenant-admin of acme");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#tenants tr[data-tenant='acme']")));
        assertThat(driver.findElements(By.cssSelector("#tenants tbody tr"))).extracting(r -> r.getAttribute("data-tenant"))
                .containsExactly("acme");

        tab("keys");
        assertThat(new Select(driver.findElement(By.id("keys-tenant"))).getOptions()).extracting(WebElement::getText)
                .containsExactly("acme");
        driver.findElement(By.id("issue-key")).click();
        String key = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("issued-key"))).getText();
        By row = By.cssSelector("#keys tr[data-key='" + key.split("_")[1] + "']");
        wait.until(ExpectedConditions.presenceOfElementLocated(row));
        driver.findElement(row).findElement(By.cssSelector("button.revoke")).click();
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(d -> d.findElement(row).getText().contains("revoked"));

        tab("audit");
        wait.until(d -> d.findElement(By.id("audit")).getText().contains("admin.key.revoke"));
        assertThat(driver.findElements(By.cssSelector("#audit tbody tr"))).allSatisfy(r ->
                assertThat(r.findElements(By.tagName("td")).get(2).getText()).isEqualTo("acme"));
        shot("tenant-admin");
    }
}
