import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SwarmModule } from '../swarm/swarm.module';
import { ComposeValidator } from './compose/compose-validator';
import { Script } from './entities/script.entity';
import { ScriptsController } from './scripts.controller';
import { ScriptsService } from './scripts.service';

/** Saved stacks: their compose files, the commands shown with them and their webhook URLs. */
@Module({
  imports: [TypeOrmModule.forFeature([Script]), SwarmModule],
  controllers: [ScriptsController],
  providers: [ScriptsService, ComposeValidator],
  exports: [ScriptsService],
})
export class ScriptsModule {}
