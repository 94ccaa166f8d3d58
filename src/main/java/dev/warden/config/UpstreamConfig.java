package dev.warden.config;

/**
 * One upstream server of a pool: where it is, which region it runs in, its share of the pool's
 * traffic relative to the others ({@code weight}, 1..1000), what speaks there ({@code provider}
 * and the {@code apiVersion} it is called with: Azure's {@code api-version} query, Anthropic's
 * {@code anthropic-version} header; null for OpenAI) and how Warden authenticates to it.
 */
public record UpstreamConfig(String url, String scheme, String host, int port, String basePath, String region, int weight,
                             ProviderKind provider, String apiVersion, UpstreamCredential credential) {
    /** An OpenAI-compatible upstream called without a credential of its own. */
    public UpstreamConfig(String url, String scheme, String host, int port, String basePath, String region, int weight) {
        this(url, scheme, host, port, basePath, region, weight, ProviderKind.OPENAI, null, UpstreamCredential.NONE);
    }

    public boolean tls() {
        return "https".equals(scheme);
    }

    /** host:port, for logs and the {@code X-Upstream} metric label. */
    public String authority() {
        return host + ":" + port;
    }

    /**
     * The path (and query) to request for an OpenAI-style {@code operationPath} on a model this
     * upstream knows as {@code upstreamModel}: as is on OpenAI servers, the deployment's path with
     * its {@code api-version} on Azure, the Messages API on Anthropic.
     */
    public String path(String operationPath, String upstreamModel) {
        return switch (provider) {
            case OPENAI -> basePath + operationPath;
            case AZURE_OPENAI -> basePath + "/openai/deployments/" + upstreamModel + operationPath.substring("/v1".length())
                    + "?api-version=" + apiVersion;
            case ANTHROPIC -> basePath + "/v1/messages";
        };
    }
}
