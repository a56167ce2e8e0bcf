/**
 * Waits for every virtual user, then fails with the first failure: a user that fails must not end the
 * block while the others' requests are still in flight, or they would be recorded after it closed and
 * overlap the next block.
 */
export async function allUsers(users: readonly Promise<void>[]): Promise<void> {
  const outcomes = await Promise.allSettled(users);
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
}
