/** The contract between host and guest: values the runtime, the hypervisor drivers and the agent all use. */
package io.katacontainers.api.guest;
