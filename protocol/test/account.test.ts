import { ApiKeysResponse, CreateApiKeyRequest, CreatedApiKey, SignupRequest } from '../src';

describe('account schemas', () => {
  test.each([
    ['ab', false],
    ['abc', true],
    ['a'.repeat(32), true],
    ['a'.repeat(33), false],
    ['Alice', false],
    ['bob_42', true],
    ['bob-42', false],
  ])('username %p is accepted: %p', (username, ok) => {
    expect(SignupRequest.safeParse({ username, password: 'correct horse' }).success).toBe(ok);
  });

  test('a password is 8 to 128 characters, and the rule is in the message', () => {
    const short = SignupRequest.safeParse({ username: 'alice', password: 'seven77' });
    expect(short.success).toBe(false);
    expect(short.error?.issues[0]?.message).toBe('password must be at least 8 characters');
    expect(SignupRequest.safeParse({ username: 'alice', password: 'x'.repeat(128) }).success).toBe(true);
    expect(SignupRequest.safeParse({ username: 'alice', password: 'x'.repeat(129) }).success).toBe(false);
  });

  test('an api key asks for known scopes only, at least one', () => {
    expect(CreateApiKeyRequest.safeParse({ label: 'bot', scopes: ['read', 'trade'] }).success).toBe(true);
    expect(CreateApiKeyRequest.safeParse({ label: 'bot', scopes: [] }).success).toBe(false);
    expect(CreateApiKeyRequest.safeParse({ label: 'bot', scopes: ['withdraw'] }).success).toBe(false);
  });

  test('a listed key carries no secret; a created one does', () => {
    const created = { api_key: 'k', api_secret: 's', label: 'bot', scopes: ['read'], created_at: 1 };
    expect(CreatedApiKey.parse(created).api_secret).toBe('s');
    const listed = ApiKeysResponse.parse({ api_keys: [created] });
    expect(listed.api_keys[0]).not.toHaveProperty('api_secret');
  });
});
