import { Controller, Delete, ExecutionContext, Get, Head, Post } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RequireScopes, requiredScopes } from './require-scopes.decorator';

@Controller('v1/messages')
class Messages {
  @Get() list() {}
  @Head() head() {}
  @Post() send() {}
  @Delete(':id') cancel() {}
  @RequireScopes('admin') @Get('dead-letters') deadLetters() {}
}
@Controller('/v1/messages/bulk/')
class Bulk {
  @Post() send() {}
}
@Controller('v1/messagesx')
class LookAlike {
  @Get() list() {}
}
@Controller('v1/audit')
class Audit {
  @Get() list() {}
}

function scopesFor(type: new () => object, handler: string, method: string) {
  const context = {
    getHandler: () => (type.prototype as Record<string, () => void>)[handler],
    getClass: () => type,
    switchToHttp: () => ({ getRequest: () => ({ method }) }),
  } as unknown as ExecutionContext;
  return requiredScopes(new Reflector(), context);
}

describe('requiredScopes', () => {
  it.each([
    [Messages, 'list', 'GET', ['messages:read']],
    [Messages, 'head', 'HEAD', ['messages:read']],
    [Messages, 'send', 'POST', ['messages:send']],
    [Messages, 'cancel', 'DELETE', ['messages:send']],
    [Bulk, 'send', 'POST', ['messages:send']],
    [Messages, 'deadLetters', 'GET', ['admin']],
    [LookAlike, 'list', 'GET', ['admin']],
    [Audit, 'list', 'GET', ['admin']],
  ])('%p.%s (%s) needs %j', (type, handler, method, expected) => {
    expect(scopesFor(type, handler, method)).toEqual(expected);
  });
});
