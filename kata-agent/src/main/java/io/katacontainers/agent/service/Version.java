package io.katacontainers.agent.service;

/** What Health/Version and GetGuestDetails report. */
public final class Version {
    /** This agent's version. */
    public static final String AGENT = "0.1.0-java";
    /** The agent API version, as Kata's agent reports it. */
    static final String API = "0.0.1";

    private Version() {
    }
}
