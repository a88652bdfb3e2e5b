import { ApiProperty } from '@nestjs/swagger';
import { Page } from '../../common/dto/page.dto';
import { ScriptDetailDto } from '../../scripts/dto/script.dto';
import { DeploymentDto } from './deployment.dto';

/** A script as a dashboard shows it: the detail (SCRIPT, stack, stackError) and its newest deployment. */
export class ScriptOverviewDto extends ScriptDetailDto {
  @ApiProperty({
    type: DeploymentDto,
    nullable: true,
    description: "The script's newest deployment, without output; null when it has none (and on other users' scripts in an ADMIN's all=true list)",
  })
  lastDeployment: DeploymentDto | null;
}

export class ScriptOverviewPageDto extends Page<ScriptOverviewDto> {
  @ApiProperty({ type: [ScriptOverviewDto] })
  declare content: ScriptOverviewDto[];
}
