import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 200;

/** Query strings are strings: convert only clean integers, leave anything else for IsInt to refuse. */
export const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

/** Query flags are strings too: only `true` and `false` convert, anything else is left for IsBoolean to refuse. */
export const toBool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class PageQueryDto {
  @ApiPropertyOptional({ description: '1-based page number', default: 1, minimum: 1, example: 1 })
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  pageNumber = 1;

  @ApiPropertyOptional({ description: `Page size; larger values are capped at ${MAX_PAGE_SIZE}`, default: 20, minimum: 1, example: 20 })
  @Transform((p) => {
    const v = toInt(p);
    return typeof v === 'number' && v > MAX_PAGE_SIZE ? MAX_PAGE_SIZE : v;
  })
  @IsInt()
  @Min(1)
  pageSize = 20;
}

export class Page<T> {
  @ApiProperty({ isArray: true })
  content: T[];
  @ApiProperty({ example: 1 })
  totalPages: number;
  @ApiProperty({ example: 1 })
  totalElements: number;
  @ApiProperty({ example: 1 })
  pageNumber: number;
  @ApiProperty({ example: 20 })
  pageSize: number;

  static of<T>(content: T[], totalElements: number, query: PageQueryDto): Page<T> {
    return Object.assign(new Page<T>(), {
      content,
      totalPages: Math.ceil(totalElements / query.pageSize),
      totalElements,
      pageNumber: query.pageNumber,
      pageSize: query.pageSize,
    });
  }
}
