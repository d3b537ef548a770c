/** End-to-end tests of pod networking: the real CNI bridge plugin, namespaces the tests create. */
package io.katacontainers.packaging.network;
