package io.katacontainers.agent.log;

import java.io.PrintStream;
import java.lang.System.Logger.Level;

/**
 * The agent's {@link System.LoggerFinder}: one line per message on stderr (the guest console, or the host test's
 * log), at or above one level for all loggers, the ttrpc library's included. Being in java.base's service API, it
 * keeps java.util.logging's configuration out of the picture, whichever modules the JRE has.
 *
 * <p>The level comes from the system property {@value #LEVEL_PROPERTY} (a {@link Level} name, default INFO),
 * which {@code Main} sets from {@code --log-level} or {@code agent.log=} before anything logs.
 */
public final class AgentLoggerFinder extends System.LoggerFinder {
    public static final String LEVEL_PROPERTY = "kata.agent.log.level";

    private final Level threshold;
    private final PrintStream out;

    public AgentLoggerFinder() {
        this.threshold = Level.valueOf(System.getProperty(LEVEL_PROPERTY, Level.INFO.name()));
        this.out = System.err;
    }

    @Override
    public System.Logger getLogger(String name, Module module) {
        return new LineLogger(name, threshold, out);
    }
}
