package dev.warden.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeaderNamesTest {
    @Test
    void matchesCaseInsensitivelyAndOnlyWholeNames() {
        HeaderNames names = new HeaderNames("connection", "x-tenant-id", "te");
        assertThat(names.contains("Connection")).isTrue();
        assertThat(names.contains("X-TENANT-ID")).isTrue();
        assertThat(names.contains("TE")).isTrue();
        assertThat(names.contains("x-tenant-idx")).isFalse();
        assertThat(names.contains("x-tenant_id")).isFalse();
        assertThat(names.contains("")).isFalse();
        assertThat(HeaderNames.startsWithIgnoreCase("X-Forwarded-For", "x-forwarded-")).isTrue();
        assertThat(HeaderNames.startsWithIgnoreCase("X-Forward", "x-forwarded-")).isFalse();
    }
}
