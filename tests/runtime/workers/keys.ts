export const WORKERS_TEST_API_KEY = "hk_test_0123456789abcdef0123456789abcdef";
/** Given to the Worker so its first boot does not generate (and print) an admin password. */
export const WORKERS_TEST_ADMIN_PASSWORD = "workers-test-admin-password";
