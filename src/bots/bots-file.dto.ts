import { Type } from 'class-transformer';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { PERMISSION_MODES, type PermissionMode } from './bot.types';

export class ClaudeSettingsDto {
  @IsOptional() @IsString() @MinLength(1) model?: string;
  @IsOptional() @IsInt() @Min(1) maxTurns?: number;
  @IsOptional() @IsNumber() @Min(0) maxBudgetUsd?: number;
  @IsOptional() @IsIn(PERMISSION_MODES) permissionMode?: PermissionMode;
  @IsOptional() @IsArray() @IsString({ each: true }) tools?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) allowedTools?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) disallowedTools?: string[];
  @IsOptional() @IsString() appendSystemPrompt?: string;
  @IsOptional() @IsObject() env?: Record<string, unknown>;
}

class BotSettingsDto {
  @IsOptional() @IsArray() @IsString({ each: true }) channels?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) users?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) admins?: string[];
  @IsOptional() @IsBoolean() allowExternalUsers?: boolean;
  @IsOptional() @IsBoolean() directMessages?: boolean;
  @IsOptional() @IsInt() @Min(1) timeoutSeconds?: number;
  @IsOptional() @IsNumber() @Min(0) budgetUsdPerDay?: number;
  @IsOptional() @IsString() @MinLength(1) workingDirectory?: string;
  @IsOptional()
  @IsString()
  @Matches(/^([a-z_][a-z0-9_.-]{0,31}\$?|\d+(:\d+)?)$/i, { message: 'runAs must be a user name, uid or uid:gid' })
  runAs?: string;
  @IsOptional() @ValidateNested() @Type(() => ClaudeSettingsDto) claude?: ClaudeSettingsDto;
}

export class BotDefaultsDto extends BotSettingsDto {}

export class BotDto extends BotSettingsDto {
  @IsString()
  @Matches(/^[a-z0-9-]{1,32}$/, { message: 'id must be 1-32 lowercase letters, digits or dashes' })
  id!: string;
  @IsOptional() @IsString() @Matches(/^A[A-Z0-9]+$/, { message: 'appId must look like A0123ABCD' }) appId?: string;
  @IsString() @MinLength(1) signingSecret!: string;
  @IsString() @Matches(/^xox[bpe]-/, { message: 'token must be a Slack bot token (xoxb-…)' }) token!: string;
}
