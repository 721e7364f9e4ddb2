package dev.ragcanary.router;

/**
 * Who is calling, as the front door verified it: never a value the client chose.
 *
 * @param tenant the caller's tenant (trust for {@code x-exp} and stage five), null when unknown
 * @param user   the calling user or principal, null when unknown
 */
record CallerIdentity(String tenant, String user) {
    static final CallerIdentity NONE = new CallerIdentity(null, null);

    boolean isEmpty() {
        return tenant == null && user == null;
    }
}
