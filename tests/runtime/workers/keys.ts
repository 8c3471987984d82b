export const WORKERS_TEST_API_KEY = "hk_test_0123456789abcdef0123456789abcdef";
